#pragma once
// Describe responses (Salesforce REST `/sobjects` and `/sobjects/<Name>/describe`) printed from
// the schema.

#include <string>
#include <string_view>

#include "schema.hpp"

namespace casio::mock_sf {

// {"encoding":"UTF-8","maxBatchSize":200,"sobjects":[{...flags..., "urls":{...}}, ...]}
std::string describe_global(const schema& s, std::string_view api_version);
// Object flags plus fields, childRelationships, recordTypeInfos and urls.
std::string describe_object(const schema& s, const object_def& o, std::string_view api_version);

}  // namespace casio::mock_sf
