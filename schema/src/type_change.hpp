// Internal: how risky changing a column's declared type is.
#pragma once

#include <string_view>

#include "ferry/schema/plan.hpp"

namespace ferry::schema::detail {

// safe for widenings that keep every value and need no rewrite (varchar(20) -> varchar(40),
// varchar -> text); rewrite for widenings that rewrite the table (int -> bigint,
// real -> double, numeric precision up); destructive for narrowings (bigint -> int,
// varchar(40) -> varchar(20), text -> varchar(n)); data_dependent for any other conversion.
Risk classify_type_change(Dialect dialect, std::string_view from, std::string_view to);

}  // namespace ferry::schema::detail
