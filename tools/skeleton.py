#!/usr/bin/env python3
"""skeleton.py: writes a working starting point (`make new-component`, `make new-app`).

    skeleton.py component NAME [DIR]   a server and a client joined by an interface
    skeleton.py app NAME [DIR]         an RTOS program, released by a periodic timer

Without DIR the files go into the tree: components/NAME/ and components/NAME_client/
(interfaces/NAME.toml) or examples/NAME/, and systems/NAME.toml; run it with `make
run SYSTEM=NAME`. With DIR they go into an application directory outside the tree:
DIR/components/, DIR/interfaces/ or DIR/programs/, and DIR/NAME.toml; run it with
`make run SYSTEM=DIR/NAME.toml` (docs/systems.md, "Applications outside the tree").
Nothing is overwritten: a file that exists already stops it before anything is
written. Each skeleton boots, prints what it does and ends by itself
(tests/tools/test_skeleton.py builds and runs both, in and out of the tree).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")   # a program's and a component's name (docs/systems.md)

INTERFACE = '''\
# {name}: the interface between {name} and {name}_client. Each [[function]] becomes a
# client stub, long {name}_<function>(args...), and a server entry the server defines,
# long {name}_<function>_serve(args..., cairn_word client) (docs/systems.md).
[interface]
name = "{name}"

[[function]]
name = "next"
args = ["value"]
results = ["next"]           # value + 1; CAIRN_ERANGE if value is the largest
'''

SERVER = '''\
/*
 * {name}: serves the "{name}" interface ({iface}). Calls run on the caller's thread:
 * main says it is ready and returns, and the gate goes on serving.
 */
#define CAIRN_SERVE_{upper}
#include <iface/{name}.h>

long {name}_next_serve(cairn_word value, cairn_word client)
{{
	(void)client;			/* the caller's component number, unforgeable */
	if (value == (cairn_word)-1 >> 1)
		return CAIRN_ERANGE;
	return (long)value + 1;
}}

int main(const struct cairn_root *rt)
{{
	cairn_printf("{name}: component %lu serves '{name}'\\n", rt->comp_id);
	return 0;
}}
'''

CLIENT = '''\
/*
 * {name}_client: calls the "{name}" interface a few times and ends.
 */
#include <iface/{name}.h>

int main(const struct cairn_root *rt)
{{
	long v = 0;

	for (int i = 0; i < 3 && v >= 0; i++)
		v = {name}_next((cairn_word)v);
	cairn_printf("{name}_client: component %lu counted to %ld through '{name}'\\n", rt->comp_id, v);
	return v == 3 ? 0 : 1;
}}
'''

COMPONENT_SYSTEM = '''\
# {name}: a server and its client, joined by the interface "{name}".
# make run SYSTEM={run}
[system]
name = "{name}"
description = "{name} serves its client through an interface"
memory = "2M"

[[component]]
name = "{name}"
exports = ["{name}"]

[[component]]
name = "{name}_client"
imports = ["{name}"]
'''

PROGRAM = '''\
/*
 * {name}: an RTOS program (docs/rtos.md). A periodic timer releases it every 10 ms
 * five times; then it ends, and with its last process the RTOS.
 */
#include <cairn/cairn.h>
#include <cairn/rtos.h>

int main(void)
{{
	struct time period;
	timer_t tick = timer_create();

	time_create(&period, 0, 10000);		/* 10 ms */
	if (!tick || timer_periodic(tick, &period, &period) != 0) {{
		io_print("{name}: no timer\\n");
		return 1;
	}}
	for (int i = 1; i <= 5; i++) {{
		timer_wait(tick);
		cairn_printf("{name}: tick %d\\n", i);
	}}
	timer_free(tick);
	return 0;
}}
'''

APP_SYSTEM = '''\
# {name}: an RTOS program. make run SYSTEM={run}
[system]
name = "{name}"
description = "{name}, an RTOS program released by a periodic timer"
memory = "16M"

[rtos]
memory = "4M"
programs = ["{name}"]
'''


def files(kind, name, where):
    """{path: text} of a skeleton: kind "component" or "app", in the tree (where None)
    or in the application directory where."""
    out = {}
    if where is None:
        system = os.path.join(ROOT, "systems", name + ".toml")
        run, comps = name, os.path.join(ROOT, "components")
        ifaces, progs = os.path.join(ROOT, "interfaces"), os.path.join(ROOT, "examples")
    else:
        system = os.path.join(where, name + ".toml")
        run, comps = system, os.path.join(where, "components")
        ifaces, progs = os.path.join(where, "interfaces"), os.path.join(where, "programs")
    v = {"name": name, "upper": name.upper(), "run": run}
    if kind == "component":
        v["iface"] = os.path.relpath(os.path.join(ifaces, name + ".toml"), where or ROOT)
        out[os.path.join(ifaces, name + ".toml")] = INTERFACE.format(**v)
        out[os.path.join(comps, name, "main.c")] = SERVER.format(**v)
        out[os.path.join(comps, name + "_client", "main.c")] = CLIENT.format(**v)
        out[system] = COMPONENT_SYSTEM.format(**v)
    else:
        out[os.path.join(progs, name, "main.c")] = PROGRAM.format(**v)
        out[system] = APP_SYSTEM.format(**v)
    return out


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in ("component", "app"):
        sys.exit(__doc__)
    kind, name = argv[1], argv[2]
    if not NAME.match(name):        # 16, so that NAME_client fits a red tape's 23 characters
        sys.exit(f"skeleton: NAME={name!r}: lowercase letters, digits and _, starting with a letter, "
                 "at most 16 characters")
    where = os.path.abspath(argv[3]) if len(argv) == 4 else None
    out = files(kind, name, where)
    taken = [p for p in out if os.path.exists(p)]
    if taken:
        sys.exit(f"skeleton: {shown(taken[0])} exists already: nothing written")
    for path, text in out.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"  NEW\t{shown(path)}")
    print(f"make run SYSTEM={name if where is None else os.path.join(argv[3], name + '.toml')}")


def shown(path):
    """path relative to the working directory if it lies below it, else absolute."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


if __name__ == "__main__":
    main(sys.argv)
