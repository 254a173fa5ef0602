#pragma once
// Everything a job starts is ours to end. A command can leave daemons
// behind, or children that escaped its process group with setsid; as a
// child subreaper (or as PID 1 in the container) we inherit every such
// orphan, so "our descendants" is exactly "what the jobs left running".

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace agent {

/// Makes orphaned descendants our children instead of init's
/// (PR_SET_CHILD_SUBREAPER). Throws std::system_error if refused.
void become_subreaper();

/// Every live (not zombie) process whose parent chain leads to `ancestor`,
/// read from /proc.
std::vector<pid_t> live_descendants(pid_t ancestor);

/// Reaps every child that has ended, without waiting; how many.
int reap_ended_children();

/// SIGKILLs our descendants until none is alive, then reaps our children
/// until none is left. Gives up after `limit` (a process stuck in the
/// kernel cannot be killed at once); returns whether every one was ended.
bool end_descendants(std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace agent
