package cypher

import (
	"regexp"
	"sort"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
)

// The explorer's vetting of a query reads the plan Neo4j made for it (EXPLAIN, same text and
// parameters, nothing executed) and lets it run only when every operator is on an allow-list
// and every procedure it calls is on another. Text matching would be leaky (comments, escapes,
// parameters, Unicode); the plan is what Neo4j will run.

// readOperators are the plan operators of read-only queries over the graph (Neo4j 5.26
// operator names, without the "@database" suffix). Operator families of scans, seeks and
// expands are matched by readOperatorFamily.
var readOperators = setOf(
	"ProduceResults", "EmptyResult", "Argument", "ArgumentTracker", "Input", "EmptyRow",
	"Projection", "ProjectEndpoints", "Filter", "CacheProperties", "NullifyMetadata",
	"Limit", "ExhaustiveLimit", "Skip", "Sort", "PartialSort", "Top", "Top1WithTies", "PartialTop",
	"Distinct", "OrderedDistinct", "Aggregation", "EagerAggregation", "OrderedAggregation",
	"Unwind", "PartitionedUnwind", "Eager", "Optional", "Anti",
	"Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply",
	"SelectOrSemiApply", "SelectOrAntiSemiApply", "LetSelectOrSemiApply", "LetSelectOrAntiSemiApply",
	"RollUpApply", "ConditionalApply", "AntiConditionalApply",
	"Union", "OrderedUnion", "CartesianProduct",
	"NodeHashJoin", "ValueHashJoin", "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin",
	"TriadicSelection", "TriadicBuild", "TriadicFilter",
	"AssertSameNode", "AssertSameRelationship",
	"NodeCountFromCountStore", "RelationshipCountFromCountStore",
	"ShortestPath", "Trail", "Repeat",
	"ProcedureCall", // vetted by procedure name below
	// Schema reads analysts need.
	"ShowIndexes", "ShowConstraints",
)

// readOperatorFamily matches the scan, seek and expand operators, of which Neo4j has many
// variants: NodeByLabelScan, DirectedRelationshipIndexSeekByRange, VarLengthExpand(Pruning),
// StatefulShortestPath(Into), ...
var readOperatorFamily = regexp.MustCompile(`^((Directed|Undirected|Partitioned)?[A-Za-z]*(Scan|Seek|SeekByRange)|(Optional|VarLength|BFSPruningVarLength)?Expand\([A-Za-z,]+\)|StatefulShortestPath\([A-Za-z]+\)|Repeat\([A-Za-z]+\))$`)

// writeOperators change the graph. The plan check lets them through to the read transaction,
// whose access mode makes Neo4j refuse the first write before any row is returned (the
// contract of DESIGN.md: writes are refused by Neo4j, not by string matching); they are
// listed so that an operator unknown to both lists is refused.
var writeOperators = setOf(
	"Create", "Merge", "LockingMerge", "LockNodes", "Foreach", "ForeachApply", "SubqueryForeach",
	"SetProperty", "SetProperties", "SetNodeProperty", "SetRelationshipProperty",
	"SetNodeProperties", "SetRelationshipProperties", "SetPropertiesFromMap",
	"SetNodePropertiesFromMap", "SetRelationshipPropertiesFromMap", "SetLabels", "RemoveLabels",
	"Delete", "DetachDelete", "DeleteNode", "DetachDeleteNode", "DeleteRelationship",
	"DeletePath", "DetachDeletePath", "DeleteExpression", "DetachDeleteExpression",
)

// lockingSeek matches the seeks MERGE plans on unique keys, NodeUniqueIndexSeek(Locking):
// writes, left to the read transaction like writeOperators.
var lockingSeek = regexp.MustCompile(`^[A-Za-z]+Seek\(Locking\)$`)

// refusedOperators name why an operator is refused, for the operators an analyst is likely
// to try; any other operator not on the lists above is refused as unknown.
var refusedOperators = map[string]string{
	"LoadCSV":               "LOAD CSV is not allowed in the explorer (it reads files and URLs)",
	"TransactionForeach":    "CALL { ... } IN TRANSACTIONS is not allowed in the explorer",
	"TransactionApply":      "CALL { ... } IN TRANSACTIONS is not allowed in the explorer",
	"AdministrationCommand": "administration commands are not allowed in the explorer",
	"ShowProcedures":        "SHOW PROCEDURES is not allowed in the explorer",
	"ShowFunctions":         "SHOW FUNCTIONS is not allowed in the explorer",
	"ShowSettings":          "SHOW SETTINGS is not allowed in the explorer (server configuration)",
	"ShowTransactions":      "SHOW TRANSACTIONS is not allowed in the explorer (other users' queries)",
	"TerminateTransactions": "TERMINATE TRANSACTIONS is not allowed in the explorer",
}

// allowedProcedures are the procedures an analyst may call: schema reads and full-text
// search. Everything else (dbms.*, db.info, db.stats.*, tx.*, ...) is refused.
var allowedProcedures = setOf(
	"db.labels", "db.relationshipTypes", "db.propertyKeys",
	"db.schema.visualization", "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
	"db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
	"db.index.fulltext.listAvailableAnalyzers",
)

// AllowedProcedures lists the procedures the explorer lets analysts call, sorted (for docs).
func AllowedProcedures() []string {
	out := make([]string, 0, len(allowedProcedures))
	for p := range allowedProcedures {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// vetPlan walks plan and returns graph.ErrForbidden naming the first operator, procedure or
// database the explorer does not allow. home is the database the explorer reads; an operator
// planned on another one (USE system, SHOW USERS) is refused.
func vetPlan(plan neo4j.Plan, home string) error {
	if plan == nil {
		return graph.Refuse(graph.ErrForbidden, "Neo4j returned no plan for the query, so it cannot be vetted")
	}
	stack := []neo4j.Plan{plan}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := vetOperator(p, home); err != nil {
			return err
		}
		stack = append(stack, p.Children()...)
	}
	return nil
}

func vetOperator(p neo4j.Plan, home string) error {
	op, db, _ := strings.Cut(p.Operator(), "@")
	if reason, ok := refusedOperators[op]; ok {
		return graph.Refuse(graph.ErrForbidden, "%s", reason)
	}
	if db != "" && !strings.EqualFold(db, home) {
		return graph.Refuse(graph.ErrForbidden, "the explorer reads database %q only; the query runs on %q", home, db)
	}
	switch {
	case op == "ProcedureCall":
		name := procedureName(p.Arguments())
		if _, ok := allowedProcedures[name]; !ok {
			if name == "" {
				name = "(unnamed)"
			}
			return graph.Refuse(graph.ErrForbidden, "procedure %s is not on the explorer's allow-list (%s)", name, strings.Join(AllowedProcedures(), ", "))
		}
	case has(readOperators, op), readOperatorFamily.MatchString(op), has(writeOperators, op), lockingSeek.MatchString(op):
	default:
		return graph.Refuse(graph.ErrForbidden, "plan operator %s is not on the explorer's allow-list", op)
	}
	return nil
}

// procedureName reads the procedure of a ProcedureCall operator from its details, which
// start with the qualified name: "dbms.listConfig() :: (name :: STRING, ...)".
func procedureName(args map[string]any) string {
	details, _ := args["Details"].(string)
	name, _, _ := strings.Cut(details, "(")
	return strings.TrimSpace(name)
}

func setOf(names ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}

func has(set map[string]struct{}, name string) bool {
	_, ok := set[name]
	return ok
}
