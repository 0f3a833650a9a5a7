/* net_probe: components/net/sock.c unchanged (main.c says why). */
#include "lwip/init.h"	/* (the Makefile gives lwIP's headers to files that name one) */
#include "../../../components/net/sock.c"
