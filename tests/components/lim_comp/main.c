/*
 * lim_comp: every component of tests/qemu/systems/limits.toml but its server, a system
 * at the limits of a description (cairn/sysdesc.h, cairn/root.h): 32 components and 48
 * ports. Each sends its port's name on every port it produces for; then, by its name:
 *
 *   lim_client_with_23chars   a name of CAIRN_NAME_MAX - 1 characters: its red tape lists
 *                             its 24 imports (each gate answers its own number), its 8
 *                             segments (each mapped) and its 12 port ends: lim.1 .. lim.4
 *   wide                      3 wide_x and 16 lim_NN imports: 112 gates, every granted
 *                             slot, each answering its own number: lim.5
 *   collector_k               12 ports in; a message naming the port on each: lim.5 + k
 *   filler_NN                 only sends
 *
 * If the description changes, change the expectations here too.
 */
#include <cairn/cairn.h>
#include <cairn/gate.h>
#include <cairn/port.h>
#include <cairn/segment.h>
#include <cairn/sysdesc.h>

#define CLIENT     "lim_client_with_23chars"
#define SEG_BASE   0x10000000UL	/* segment k (from 0) is at SEG_BASE + k MiB */
#define SLOT_SIZE  32		/* as the description says: a port's name fits */
#define IDLE_MAX   100000	/* yields with an empty ring: its producer is gone */

static const char *const seg_names[CAIRN_ROOT_SEGMENTS] = {
	"seg_1", "seg_2", "seg_3", "seg_4", "seg_5", "seg_6", "seg_7", "segment_name_of_23_char",
};

/* Sends the port's name on every port this component produces for: how many failed. */
static unsigned send_all(const struct cairn_root *rt)
{
	unsigned bad = 0;

	for (unsigned k = 0; k < rt->nports; k++) {
		struct cairn_port p;
		char msg[SLOT_SIZE] = { 0 };
		if (rt->port[k].end != CAIRN_PORT_PRODUCER)
			continue;
		memcpy(msg, rt->port[k].name, CAIRN_NAME_MAX);
		bad += cairn_port_open(&p, rt->port[k].name) != 0 || cairn_port_send(&p, msg) != 0;
	}
	return bad;
}

/* Calls every function of import j and checks each answers its number: 0 or 1 if not. */
static int gates_answer(const struct cairn_import *im, long first)
{
	for (unsigned f = 0; f < im->nfns; f++)
		if (cairn_sinv_call(im->slot + f, 0, 0, 0, 0).r0 != first + (long)f)
			return 1;
	return 0;
}

/* What import im's functions answer: lim_NN's id NN, wide_x's fNN x0NN. */
static long first_answer(const struct cairn_import *im)
{
	if (!memcmp(im->name, "wide_", 5))
		return (im->name[5] - 'a' + 1) * 1000L;
	return (im->name[4] - '0') * 10L + (im->name[5] - '0');
}

static void client_checks(const struct cairn_root *rt, unsigned bad_sends)
{
	unsigned bad = 0, mapped = 0;

	cairn_check("lim.1", "name_23", strlen(rt->name) == CAIRN_NAME_MAX - 1 && rt->comp_id == 2,
		    "name '%s', component %lu", rt->name, rt->comp_id);
	for (unsigned j = 0; j < rt->nimports; j++) {
		char want[8] = { 'l', 'i', 'm', '_', (char)('0' + j / 10), (char)('0' + j % 10), 0 };
		bad += strcmp(rt->import[j].name, want) != 0 || rt->import[j].nfns != 1 ||
		       gates_answer(&rt->import[j], j);
	}
	cairn_check("lim.2", "imports_24", rt->nimports == CAIRN_ROOT_IMPORTS && !bad,
		    "%u imports, %u wrong or not answering", rt->nimports, bad);
	bad = 0;
	for (unsigned k = 0; k < rt->nsegments; k++) {
		const struct cairn_segment_map *s = &rt->segment[k];
		bad += strcmp(s->name, seg_names[k]) != 0 || s->base != SEG_BASE + (k << 20);
		mapped += !bad && ((const struct cairn_segment_tv *)s->base)->magic == CAIRN_SEG_MAGIC;
	}
	cairn_check("lim.3", "segments_8", rt->nsegments == CAIRN_ROOT_SEGMENTS && !bad &&
		    mapped == CAIRN_ROOT_SEGMENTS, "%u segments, %u wrong, %u mapped", rt->nsegments, bad, mapped);
	cairn_check("lim.4", "port_ends_12", rt->nports == CAIRN_ROOT_PORTS && !bad_sends,
		    "%u port ends, %u sends failed", rt->nports, bad_sends);
}

static void wide_checks(const struct cairn_root *rt)
{
	unsigned bad = 0, gates = 0;

	for (unsigned j = 0; j < rt->nimports; j++) {
		bad += gates_answer(&rt->import[j], first_answer(&rt->import[j]));
		gates += rt->import[j].nfns;
	}
	cairn_check("lim.5", "gates_112", rt->nimports == 19 && gates == CAIRN_SD_GRANTED_SLOTS && !bad &&
		    rt->free_slot == CAIRN_SD_FIRST_SLOT + CAIRN_SD_GRANTED_SLOTS,
		    "%u imports, %u gates, %u imports not answering, first free slot %u", rt->nimports, gates, bad,
		    rt->free_slot);
}

/* Takes one message from port end k: 0 if it names the port. */
static int take(const struct cairn_root *rt, unsigned k)
{
	struct cairn_port p;
	char msg[SLOT_SIZE];
	long r = cairn_port_open(&p, rt->port[k].name);

	for (unsigned idle = 0; !r && (r = cairn_port_recv(&p, msg)) == CAIRN_EAGAIN && idle < IDLE_MAX; idle++) {
		cairn_yield();
		r = 0;
	}
	return r || rt->port[k].end != CAIRN_PORT_CONSUMER || strcmp(msg, rt->port[k].name) != 0;
}

static void collector_checks(const struct cairn_root *rt, unsigned k)
{
	char id[8] = { 'l', 'i', 'm', '.', (char)('5' + k), 0 };
	unsigned bad = 0;

	for (unsigned j = 0; j < rt->nports; j++)
		bad += take(rt, j);
	cairn_check(id, "ports_in_12", rt->nports == CAIRN_ROOT_PORTS && !bad && (k < 4 || rt->comp_id == 32),
		    "component %lu: %u port ends, %u without their message", rt->comp_id, rt->nports, bad);
}

int main(const struct cairn_root *rt)
{
	unsigned bad_sends = send_all(rt);

	if (!strcmp(rt->name, CLIENT))
		client_checks(rt, bad_sends);
	else if (!strcmp(rt->name, "wide"))
		wide_checks(rt);
	else if (!memcmp(rt->name, "collector_", 10))
		collector_checks(rt, (unsigned)(rt->name[10] - '0'));
	else if (bad_sends)
		cairn_printf("lim_comp: %s: %u sends failed\n", rt->name, bad_sends);
	return 0;
}
