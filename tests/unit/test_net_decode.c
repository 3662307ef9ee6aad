/* test_net_decode.c — the network decoder on synthetic records: socket events give both
 * endpoints with family, protocol and where the address came from; bind has no peer, an
 * unbound socket no local side; DNS query types get their names (RFC 3597 TYPEnnn
 * otherwise) and the root name reads "."; a port scan lists its sample ports; a name
 * pointing outside the record gives no field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "decode/decode.h"
#include "decode_util.h"
#include "net_event.h"


struct record {
	struct vg_hdr h;
	union {
		struct vg_net net;
		struct vg_dns dns;
		struct vg_portscan scan;
	};
	char data[512];
};

static void endpoint(struct vg_sockaddr *sa, int family, const char *addr, unsigned port)
{
	sa->family = (unsigned short)family;
	sa->port = (unsigned short)port;
	assert_int_equal(inet_pton(family, addr, sa->addr), 1);
}

static void test_refused_connect_reports_the_callers_address(void **state)
{
	struct record r;

	header(&r, VG_EV_CONNECT, sizeof(r.net), -111);
	endpoint(&r.net.local, AF_INET6, "::1", 40000);
	endpoint(&r.net.remote, AF_INET6, "2001:db8::7", 443);
	r.net.proto = 6;
	r.net.source = VG_NET_SRC_USER;
	r.net.fd = 5;
	decode(&r);
	assert_string_equal(str("net.family"), "ipv6");
	assert_string_equal(str("net.proto"), "tcp");
	assert_string_equal(ip("net.sip"), "::1");
	assert_int_equal(num("net.sport"), 40000);
	assert_string_equal(ip("net.dip"), "2001:db8::7");
	assert_int_equal(num("net.dport"), 443);
	assert_string_equal(str("net.source"), "user");
	assert_int_equal(num("net.fd"), 5);
}

static void test_bind_has_no_peer(void **state)
{
	struct record r;

	header(&r, VG_EV_BIND, sizeof(r.net), 0);
	endpoint(&r.net.local, AF_INET, "0.0.0.0", 8080);
	r.net.proto = 17;
	decode(&r);
	assert_string_equal(str("net.family"), "ipv4");
	assert_string_equal(str("net.proto"), "udp");
	assert_string_equal(ip("net.sip"), "0.0.0.0");
	assert_int_equal(num("net.sport"), 8080);
	assert_null(get("net.dip"));
	assert_null(get("net.dport"));
	assert_string_equal(str("net.source"), "sock");
}

static void dns_record(struct record *r, const char *name, unsigned qtype)
{
	size_t len = strlen(name);

	header(r, VG_EV_DNS, sizeof(r->dns), 0);
	endpoint(&r->dns.local, AF_INET, "0.0.0.0", 0); /* not bound before its first send */
	endpoint(&r->dns.remote, AF_INET, "10.0.0.53", 53);
	r->dns.proto = 17;
	r->dns.qtype = (unsigned short)qtype;
	r->dns.id = 0x4242;
	r->dns.via = VG_DNS_SENDMMSG;
	memcpy((char *)r + r->h.size, name, len);
	r->dns.qname.off = (unsigned short)r->h.size;
	r->dns.qname.len = (unsigned short)len;
	r->h.size += (unsigned)len;
}

static void test_dns_names_and_types(void **state)
{
	struct record r;

	dns_record(&r, "www.example.com", 28);
	decode(&r);
	assert_string_equal(str("dns.qname"), "www.example.com");
	assert_string_equal(str("dns.qtype"), "AAAA");
	assert_int_equal(num("dns.qtype_num"), 28);
	assert_int_equal(num("dns.id"), 0x4242);
	assert_string_equal(str("dns.syscall"), "sendmmsg");
	assert_false(num("dns.name_truncated"));
	assert_string_equal(ip("net.dip"), "10.0.0.53");
	assert_int_equal(num("net.dport"), 53);
	assert_string_equal(str("net.family"), "ipv4");
	assert_null(get("net.sip"));
	assert_null(get("net.sport"));

	dns_record(&r, "x.example", 4711);
	decode(&r);
	assert_string_equal(str("dns.qtype"), "TYPE4711");

	dns_record(&r, "", 2);
	decode(&r);
	assert_string_equal(str("dns.qname"), ".");
	assert_string_equal(str("dns.qtype"), "NS");
}

static void test_dns_name_outside_the_record_gives_no_name(void **state)
{
	struct record r;

	dns_record(&r, "a.example", 1);
	r.dns.qname.len = 400; /* past the end */
	r.dns.name_truncated = 1;
	decode(&r);
	assert_string_equal(str("dns.qname"), "");
	assert_true(num("dns.name_truncated"));
}

static void test_port_scan_sample(void **state)
{
	struct record r;

	header(&r, VG_EV_PORTSCAN, sizeof(r.scan), 0);
	endpoint(&r.scan.source, AF_INET, "192.0.2.9", 51000);
	endpoint(&r.scan.target, AF_INET, "192.0.2.1", 25);
	r.scan.ports = 20;
	r.scan.window_ms = 1200;
	r.scan.sample[0] = 22;
	r.scan.sample[1] = 80;
	r.scan.sample[2] = 65535;
	decode(&r);
	assert_string_equal(ip("scan.source"), "192.0.2.9");
	assert_string_equal(ip("scan.target"), "192.0.2.1");
	assert_int_equal(num("scan.ports"), 20);
	assert_int_equal(num("scan.window_ms"), 1200);
	assert_int_equal(get("scan.sample")->type, VG_V_LIST);
	assert_int_equal(get("scan.sample")->str.len, sizeof("22\00080\00065535") - 1);
	assert_memory_equal(get("scan.sample")->str.ptr, "22\00080\00065535", sizeof("22\00080\00065535") - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_connect_reports_the_callers_address),
		cmocka_unit_test(test_bind_has_no_peer),
		cmocka_unit_test(test_dns_names_and_types),
		cmocka_unit_test(test_dns_name_outside_the_record_gives_no_name),
		cmocka_unit_test(test_port_scan_sample),
	};
	int rc;

	pt = vg_proctable_new(64);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	vg_proctable_free(pt);
	return rc;
}
