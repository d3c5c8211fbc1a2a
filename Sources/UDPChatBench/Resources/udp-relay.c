/*
 * udp-relay.c: the yardstick for `udpchat bench proxy`. A single-threaded, single-flow UDP relay
 * in C that moves datagrams in batches with recvmmsg/sendmmsg: about as fast as a userspace
 * relay gets on Linux. It does no impairment, no tracing, no flow table: it relays the first
 * client it hears to the target and the target's answers back to that client.
 *
 *   cc -O2 -o udp-relay udp-relay.c
 *   ./udp-relay LISTEN_PORT TARGET_HOST TARGET_PORT     (prints "ready PORT" once bound)
 *
 * LISTEN_PORT 0 lets the kernel choose. It runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 65536

static char buffers[BATCH][SLOT];
static struct mmsghdr messages[BATCH];
static struct iovec iovecs[BATCH];
static struct sockaddr_in sources[BATCH];

static int udp_socket(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    return fd;
}

/* Reads one batch from `from` and sends it on `to` (to `destination`, or connected when NULL). */
static void relay(int from, int to, struct sockaddr_in *destination, struct sockaddr_in *client, int learn) {
    for (int i = 0; i < BATCH; i++) {
        iovecs[i].iov_base = buffers[i];
        iovecs[i].iov_len = SLOT;
        memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
        messages[i].msg_hdr.msg_iov = &iovecs[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &sources[i];
        messages[i].msg_hdr.msg_namelen = sizeof sources[i];
    }
    int n = recvmmsg(from, messages, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    if (learn && client->sin_port == 0) *client = sources[0];
    for (int i = 0; i < n; i++) {
        iovecs[i].iov_len = messages[i].msg_len;
        messages[i].msg_hdr.msg_name = destination;
        messages[i].msg_hdr.msg_namelen = destination ? sizeof *destination : 0;
    }
    int sent = 0;
    while (sent < n) {
        int k = sendmmsg(to, messages + sent, n - sent, 0);
        if (k <= 0) break;
        sent += k;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LISTEN_PORT TARGET_HOST TARGET_PORT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in listen_address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &listen_address.sin_addr);
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
    if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1) {
        fprintf(stderr, "udp-relay: %s is not an IPv4 address\n", argv[2]);
        return 2;
    }
    int listener = udp_socket();
    if (bind(listener, (struct sockaddr *)&listen_address, sizeof listen_address) != 0) {
        perror("udp-relay: bind");
        return 1;
    }
    int upstream = udp_socket();
    if (connect(upstream, (struct sockaddr *)&target, sizeof target) != 0) {
        perror("udp-relay: connect");
        return 1;
    }
    socklen_t length = sizeof listen_address;
    getsockname(listener, (struct sockaddr *)&listen_address, &length);
    printf("ready %d\n", ntohs(listen_address.sin_port));
    fflush(stdout);

    struct sockaddr_in client = {0};
    struct pollfd fds[2] = {{.fd = listener, .events = POLLIN}, {.fd = upstream, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR) return 1;
        if (fds[0].revents & POLLIN) relay(listener, upstream, NULL, &client, 1);
        if (fds[1].revents & POLLIN) {
            if (client.sin_port == 0) {
                char sink[SLOT];
                while (recv(upstream, sink, sizeof sink, MSG_DONTWAIT) > 0) {}
            } else {
                relay(upstream, listener, &client, &client, 0);
            }
        }
    }
}
