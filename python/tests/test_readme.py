"""The README's Python server and client run as written: the two code
blocks of its "From Python" section, with only the channel name made unique
to the test, print what their comments say, and the server leaves /dev/shm
clean on SIGTERM."""

import os
import re
import signal
import subprocess
import sys
import unittest

from support import ROOT, ChannelTest, child_env, shm_entries


def readme_blocks():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


class Readme(ChannelTest):
    def test_server_and_client_run_as_written(self):
        server, client = readme_blocks()
        name = self.channel()
        server = server.replace('"calculator"', repr(name))
        client = client.replace('"calculator"', repr(name))
        want = [m.group(1).strip() for m in re.finditer(r"# (.*)$", client, re.M)
                if not m.group(1).startswith("was:")]
        p = self.spawn([sys.executable, "-c", server], text=True)
        r = subprocess.run([sys.executable, "-c", client], capture_output=True, text=True,
                           timeout=60, env=child_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), want)
        self.assertNotEqual(shm_entries(name), [])
        self.assertEqual(self.stop(p, signal.SIGTERM), 0)
        self.assertEqual(shm_entries(name), [])


if __name__ == "__main__":
    unittest.main()
