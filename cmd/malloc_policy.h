/* malloc_policy.h: how glibc's malloc keeps freed memory, chosen per
 * program (a process-wide setting, so only main sets it). */
#ifndef CXR_MALLOC_POLICY_H
#define CXR_MALLOC_POLICY_H

/* For a long-running server: large buffers get mappings of their own,
 * returned when freed, and threads share a few heaps (cxrprep-serve). */
void cxr_malloc_return_memory(void);

/* For a batch over many images: large buffers up to 32 MiB come from the
 * heaps and stay there when freed, so the next image reuses pages already
 * mapped instead of faulting in and zeroing fresh ones (cxrprep-layout,
 * cxrprep-score). */
void cxr_malloc_keep_large(void);

#endif
