#ifndef UDPCHAT_CSECCOMP_SHIM_H
#define UDPCHAT_CSECCOMP_SHIM_H
// libseccomp (Debian libseccomp-dev) for the sandbox's syscall filter, and the few Linux calls the
// sandbox's exec step needs that Swift cannot import as they are (macros, variadic or GNU-only).
// No _GNU_SOURCE here: it changes glibc's definitions (e.g. RUSAGE_THREAD in <sys/resource.h>),
// and Clang refuses two modules that disagree on one header (CNetfilterQueue includes it too).
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>

// glibc declares memfd_create only under _GNU_SOURCE: its prototype, as glibc has it.
extern int memfd_create(const char *name, unsigned int flags);

static inline uint32_t udpchat_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t udpchat_scmp_act_errno(uint16_t error) { return SCMP_ACT_ERRNO(error); }
// prctl is variadic in C: the one use the sandbox makes of it.
static inline int udpchat_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
// memfd_create is a GNU extension of glibc's headers.
static inline int udpchat_memfd_create(const char *name) { return memfd_create(name, 0); }
static inline int udpchat_rlimit_nproc(void) { return RLIMIT_NPROC; }
#endif
