/* score_rule.h: the one decision rule of the score stage. An image is
 * POSITIVE when its score (the probability of the positive class,
 * score.positive_index) is at least the threshold (score.threshold, 0.5 by
 * default: then POSITIVE is the class with the larger probability, the
 * recipe's argmax). The CSV predictions, the counts, the confusion
 * matrices, the report and single image mode all decide through it. */
#ifndef CXR_SCORE_RULE_H
#define CXR_SCORE_RULE_H

static inline int cxr_score_is_positive(double score, double threshold)
{
    return score >= threshold;
}

#endif
