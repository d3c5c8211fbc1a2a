#ifndef UDPCHAT_CNETFILTERQUEUE_SHIM_H
#define UDPCHAT_CNETFILTERQUEUE_SHIM_H
// libnetfilter_queue (Debian libnetfilter-queue-dev) for the relay's transparent mode: the kernel
// hands every queued packet to the relay, which answers with a verdict. The helpers below cover what
// Swift cannot import as it is (a packed struct, macros).
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

// The packet's id in the queue (the packed nfqnl_msg_packet_hdr, host byte order), 0 when absent.
static inline uint32_t udpchat_nfq_packet_id(struct nfq_data *nfa) {
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(nfa);
    return header ? ntohl(header->packet_id) : 0;
}
// unshare(2) is declared by <sched.h> only under _GNU_SOURCE, which would give this module other
// definitions of glibc's types than Swift's Glibc module has: declare the one call here instead.
extern int unshare(int flags);
static inline int udpchat_unshare_network(void) { return unshare(0x40000000); /* CLONE_NEWNET */ }
// ppoll(2) (likewise GNU-only): the relay waits for its next delayed copy with nanosecond resolution
// where poll(2) would round it up to a whole millisecond.
extern int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
static inline int udpchat_ppoll(struct pollfd *fds, nfds_t nfds, int64_t timeout_ns) {
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    return ppoll(fds, nfds, timeout_ns < 0 ? NULL : &timeout, NULL);
}
// A raw IPv4 socket that sends whole IP packets (IPPROTO_RAW implies IP_HDRINCL): the relay's injector.
static inline int udpchat_raw_ipv4_socket(void) { return socket(AF_INET, SOCK_RAW, IPPROTO_RAW); }
static inline uint32_t udpchat_nf_accept(void) { return NF_ACCEPT; }
static inline uint32_t udpchat_nf_drop(void) { return NF_DROP; }
static inline uint8_t udpchat_nfqnl_copy_packet(void) { return NFQNL_COPY_PACKET; }
// Accept packets the queue has no room for instead of dropping them.
static inline uint32_t udpchat_nfqa_cfg_f_fail_open(void) { return NFQA_CFG_F_FAIL_OPEN; }
#endif
