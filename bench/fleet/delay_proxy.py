#!/usr/bin/env python3
"""A TCP proxy that adds latency: every byte a client sends reaches the
upstream DELAY_MS later (answers come back at once), so each request on a
connection, an S3 PUT or GET, is delayed by DELAY_MS, as over a link with
that much latency; bytes keep their order. For bench/fleet/run.

  delay_proxy.py UPSTREAM_PORT DELAY_MS

prints the port it listens on (loopback), then serves until killed.
"""

import asyncio
import sys


async def pipe_delayed(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((0, None))
    try:
        await sender
    except ConnectionError:
        pass


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def main():
    upstream_port = int(sys.argv[1])
    delay = int(sys.argv[2]) / 1000.0

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe_delayed(client_reader, up_writer, delay),
                             pipe(up_reader, client_writer), return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
