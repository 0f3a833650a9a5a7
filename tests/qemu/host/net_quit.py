#!/usr/bin/env python3
"""net_quit.py: ends a system with `net` from the host: "quit" to net's own echo (PORT,
forwarded UDP to the guest's 7007) is echoed, and net then stops, and the system with
it. One TEST line:

  nq.1 quit_net       "quit" is echoed

    net_quit.py PORT
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo  # noqa: E402


def main():
    echo.run([("nq.1", "quit_net", echo.quit_)], int(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
