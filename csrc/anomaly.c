#include "anomaly.h"

#include <stddef.h>

static const struct {
    const char *name;
    tt_anomaly_class cls;
} anomaly_table[TT_ANOM_COUNT] = {
#define TT_ANOM_INFO_ROW(e, name, cls) {name, TT_ANOM_CLASS_##cls},
    TT_ANOMALIES(TT_ANOM_INFO_ROW)
#undef TT_ANOM_INFO_ROW
};

const char *tt_anomaly_name(int anomaly)
{
    if (anomaly < 0 || anomaly >= TT_ANOM_COUNT)
        return NULL;
    return anomaly_table[anomaly].name;
}

tt_anomaly_class tt_anomaly_class_of(int anomaly)
{
    if (anomaly < 0 || anomaly >= TT_ANOM_COUNT)
        return TT_ANOM_CLASS_OTHER;
    return anomaly_table[anomaly].cls;
}
