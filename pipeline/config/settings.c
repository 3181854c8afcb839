/* settings.c: the shared typed settings (settings.h), read from the config. */
#include <string.h>

#include "settings.h"

static void read_source(const cxr_config *conf, const char *url_key, const char *sha_key,
                        const char *size_key, cxr_source_settings *out)
{
    const char *sha256 = cxr_config_str(conf, sha_key);
    out->url = cxr_config_str(conf, url_key);
    out->sha256 = sha256 && *sha256 ? sha256 : NULL;
    out->size = cxr_config_int(conf, size_key);
}

void cxr_common_settings_read(const cxr_config *conf, cxr_common_settings *out)
{
    memset(out, 0, sizeof(*out));
    out->config_file = cxr_config_file(conf);
    out->workdir = cxr_config_str(conf, "workdir");
    out->seed = cxr_config_int(conf, "seed");
    read_source(conf, "sources.metadata.url", "sources.metadata.sha256",
                "sources.metadata.size", &out->metadata);
    out->images_url_template = cxr_config_str(conf, "sources.images.url_template");
    out->images_allow_missing = cxr_config_bool(conf, "sources.images.allow_missing");
    read_source(conf, "sources.kermany.url", "sources.kermany.sha256", "sources.kermany.size",
                &out->kermany);
    out->kermany_max_entries = (uint64_t)cxr_config_int(conf, "sources.kermany.max_entries");
    out->kermany_max_total_size = (uint64_t)cxr_config_int(conf, "sources.kermany.max_total_size");
}
