#!/usr/bin/python3
"""A small SMTP server whose replies carry HTML/JS payloads, for the plugin's
escaping test. Accepts everything (no TLS, no AUTH offered), stores nothing.

  evil-smtp.py 127.0.0.1 2525
"""
import asyncio
import sys

PAYLOAD = '<script>window.__smtpdiagXss=1</script> "><img src=x onerror="window.__smtpdiagXss=2">'
GREETING = f'220 evil.lab.test ESMTP {PAYLOAD}\r\n'


async def handle(reader, writer):
    try:
        writer.write(GREETING.encode())
        await writer.drain()
        in_data = False
        while True:
            line = await asyncio.wait_for(reader.readline(), 30)
            if not line:
                break
            text = line.decode('utf-8', 'replace').rstrip('\r\n')
            if in_data:
                if text == '.':
                    in_data = False
                    writer.write(f'250 2.0.0 queued as <b onmouseover=alert(1)>evil</b>\r\n'.encode())
                continue
            verb = text.split(' ', 1)[0].upper()
            if verb == 'EHLO':
                writer.write(f'250-evil.lab.test hello {PAYLOAD}\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n'.encode())
            elif verb == 'HELO':
                writer.write(b'250 evil.lab.test\r\n')
            elif verb == 'DATA':
                in_data = True
                writer.write(b'354 go ahead\r\n')
            elif verb == 'QUIT':
                writer.write(b'221 bye\r\n')
                await writer.drain()
                break
            elif verb == 'AUTH':
                writer.write(f'535 5.7.8 {PAYLOAD}\r\n'.encode())
            else:
                writer.write(b'250 2.1.0 ok\r\n')
            await writer.drain()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]))
    print('listening', flush=True)
    async with server:
        await asyncio.wait_for(server.serve_forever(), 900)


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except asyncio.TimeoutError:
        pass
