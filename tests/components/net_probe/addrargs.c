/* net_probe: components/net/addrargs.c unchanged (main.c says why). */
#include "../../../components/net/addrargs.c"
