#ifndef UDPCHAT_CPCAP_SHIM_H
#define UDPCHAT_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
