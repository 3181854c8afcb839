/* run_settings.c: the config the driver's steps read, read once into a
 * cxr_run_settings (steps.h). */
#include <string.h>

#include "steps.h"

cxr_status cxr_run_settings_read(const cxr_config *conf, cxr_run_settings *out,
                                 cxr_error *err)
{
    (void)err; /* validate has checked every key: nothing can fail */
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->layout_root = cxr_config_str(conf, "layout.root");
    out->score_model = cxr_config_str(conf, "score.model");
    return CXR_OK;
}
