/* fetch_settings.c: the fetch section of the config, read once into
 * cxr_fetch_settings (fetch.h); the only file of the stage that reads
 * config keys. */
#include "fetch.h"

#include <string.h>

/* A size pin the config gives, or -1: 0 is a pin (of an empty file). */
static int64_t size_pin(const cxr_config *conf, const char *key)
{
    return cxr_config_has(conf, key) ? (int64_t)cxr_config_int(conf, key) : -1;
}

cxr_status cxr_fetch_settings_read(const cxr_config *conf, cxr_fetch_settings *out,
                                   cxr_error *err)
{
    const char *lock_file = cxr_config_str(conf, "fetch.lock_file");
    (void)err; /* validate checked types and bounds: nothing can fail here */
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->metadata_size = size_pin(conf, "sources.metadata.size");
    out->kermany_size = size_pin(conf, "sources.kermany.size");
    out->parallel = (int)cxr_config_int(conf, "fetch.parallel");
    out->retries = (int)cxr_config_int(conf, "fetch.retries");
    out->backoff_ms = (long)cxr_config_int(conf, "fetch.backoff_ms");
    out->max_backoff_ms = (long)cxr_config_int(conf, "fetch.max_backoff_ms");
    out->max_retry_after_s = (long)cxr_config_int(conf, "fetch.max_retry_after_s");
    out->connect_timeout_s = (long)cxr_config_int(conf, "fetch.connect_timeout_s");
    out->low_speed_bytes = (long)cxr_config_int(conf, "fetch.low_speed_bytes");
    out->low_speed_time_s = (long)cxr_config_int(conf, "fetch.low_speed_time_s");
    out->max_redirects = (long)cxr_config_int(conf, "fetch.max_redirects");
    out->ca_file = cxr_config_str(conf, "fetch.ca_file");
    out->lock_file = lock_file && lock_file[0] ? lock_file : NULL;
    return CXR_OK;
}
