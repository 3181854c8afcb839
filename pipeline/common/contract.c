/* contract.c: the draw names that refer to select's manifests. */
#include <string.h>

#include "contract.h"

const char *cxr_contract_select_manifest(const char *draw)
{
    if (!strcmp(draw, "covid_train"))
        return CXR_SELECT_COVID_TRAIN;
    if (!strcmp(draw, "covid_holdout"))
        return CXR_SELECT_HOLDOUT;
    return NULL;
}
