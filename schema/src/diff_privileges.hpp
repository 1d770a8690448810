// Internal: the part of diff() that compares owners and grants (DiffOptions::privileges).
#pragma once

#include <vector>

#include "plan_ops.hpp"

namespace ferry::schema::detail {

// The ops that give the tenant's schemas, tables, views, sequences and routines the master's
// owners and grants, to run after `ops` (the rest of the plan): an object that `ops` create
// or make again starts from its new owner's default privileges. A role they would name that the
// tenant's server lacks is a missing_role op, first. PostgreSQL catalogs read with privileges.
std::vector<Op> privilege_ops(const Catalog& master, const Catalog& tenant,
                              const std::vector<Op>& ops);

}  // namespace ferry::schema::detail
