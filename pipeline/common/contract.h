/* contract.h: the files the stages exchange, and nothing else: the stage
 * directories under <workdir>/manifests/ and the manifest names in them
 * (columns: manifests/README.md). A stage never calls another stage's
 * functions; it reads these files. */
#ifndef CXR_CONTRACT_H
#define CXR_CONTRACT_H

/* <workdir>/manifests/<stage>/ */
#define CXR_STAGE_FETCH  "fetch"
#define CXR_STAGE_SELECT "select"
#define CXR_STAGE_SAMPLE "sample"
#define CXR_STAGE_LAYOUT "layout"
#define CXR_STAGE_SCORE  "score"

/* Every stage's JSON summary, beside its manifests. */
#define CXR_SUMMARY_JSON "summary.json"

#define CXR_FETCH_CSV          "fetch.csv"        /* one row per fetched file */
#define CXR_SELECT_COVID_TRAIN "covid_train.csv"  /* selected rows that train */
#define CXR_SELECT_HOLDOUT     "holdout.csv"      /* selected rows held out */
#define CXR_SELECT_REJECTED    "rejected.csv"     /* rows not selected, with why */
#define CXR_SELECT_EXCLUDED    "excluded.csv"     /* rows a review excluded, and the */
                                                  /* split each would have had */
#define CXR_SAMPLE_REFUSED     "refused.csv"      /* archive entries refused */
                                                  /* (each draw: <draw>.csv) */
#define CXR_SAMPLE_DRAWS       "draws.csv"        /* each draw's count and ties */
#define CXR_LAYOUT_CSV         "layout.csv"       /* one row per file laid out */
#define CXR_LAYOUT_LEFT_OUT    "quarantine.csv"   /* files left out, with why */
#define CXR_LAYOUT_TREE_SHA256 "tree.sha256"      /* digest of layout.csv */

/* The select manifest a draw name refers to in sample.draws[].count and
 * layout.folders[].draw: "covid_train" -> CXR_SELECT_COVID_TRAIN,
 * "covid_holdout" -> CXR_SELECT_HOLDOUT; NULL for any other name (a draw
 * of the sample stage, in manifests/sample/<name>.csv). */
const char *cxr_contract_select_manifest(const char *draw);

#endif
