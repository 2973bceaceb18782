// The HTML report of a cluster's inference serving (npuemu cluster FILE --report out.html with workload.kind
// inference): the decode step against the batch, the serving latencies against the request rate up to the replicas'
// capacity, and a table of the serving point's figures, drawn with the report module's charts (cli/report/).
#pragma once

#include <string>

#include "model/cluster/cluster_config.h"
#include "model/cluster/inference.h"

namespace npuemu::cli {

// Throws npuemu::Error if Vega is not installed (report/vega_library.h).
std::string inference_report_html(const cluster::ClusterConfig& config, const cluster::InferenceResult& result);

}  // namespace npuemu::cli
