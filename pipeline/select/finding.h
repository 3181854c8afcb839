/* finding.h: matching metadata labels against the accepted values of a
 * filter. A value matches a flat label exactly, or a whole run of segments
 * of a hierarchical one: "COVID-19" matches "COVID-19" and
 * "Pneumonia/Viral/COVID-19", never "COVID-19, ARDS". */
#ifndef CXR_FINDING_H
#define CXR_FINDING_H

/* 1 if 'label' matches 'wanted'. Blanks around either are ignored; case
 * matters. */
int cxr_finding_matches(const char *label, const char *wanted);

/* 1 if 'value' equals 'wanted', blanks around either ignored. */
int cxr_value_equals(const char *value, const char *wanted);

#endif
