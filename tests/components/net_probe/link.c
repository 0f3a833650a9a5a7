/* net_probe: components/net/link.c, unchanged (main.c says why it is wrapped). */
#include <cairn/xport.h>
#include "lwip/pbuf.h"
#include "../../../components/net/link.c"
