package graph

import "time"

// SnapshotFormat is the version of the snapshot layout (files, fields) this build writes.
// It reads this one and the earlier ones it names in SnapshotFormatsRead (format 1 had no
// rules file: it restores with no rules); a snapshot of another format version is refused.
const SnapshotFormat = 2

// SnapshotFormatsRead are the snapshot formats this build reads.
var SnapshotFormatsRead = []int{1, 2}

// Snapshot is the whole graph at one data version, as `skingraph export` writes it and
// `skingraph import` restores it. It holds every stored fact verbatim (keys, pseudonyms,
// content hashes, times); the outcome aggregates are derived data: a restore recomputes them
// and checks them against Outcomes.
type Snapshot struct {
	Version       DataVersion
	Ingredients   []SnapshotIngredient
	Products      []SnapshotProduct
	Reviewers     []SnapshotReviewer
	Reviews       []SnapshotReview
	Claims        []SnapshotClaim // efficacy claims: TREATS edges written by efficacy loads and EFFICACY edges
	Profiles      []StoredProfile
	Events        []SnapshotEvent
	Sources       []Source
	PseudonymKeys []PseudonymKey
	Rules         []Rule    // merchandising rules with their revision and audit fields (format 2)
	Outcomes      []Outcome // derived; checked on restore
	// NodeCounts and RelCounts count the graph's nodes by label and relationships by type
	// when the snapshot was taken; a restore checks that it made the same counts.
	NodeCounts map[string]int64
	RelCounts  map[string]int64
}

// SnapshotIngredient is an ingredient node as stored: the knowledge base's facts (its Treats
// are the TREATS edges the knowledge base wrote), whether it is curated or only seen on a
// label, and the content hash later loads compare against.
type SnapshotIngredient struct {
	Ingredient
	Curated bool
	Hash    string
}

// SnapshotProduct is a product node as stored, with its parsed label (Ingredients, with
// positions, list headings, may-contain flags and concentrations), its feedback counters by
// event type, and whether rating or effect events wait for its outcomes to be recomputed.
type SnapshotProduct struct {
	Product
	Hash          string
	EventCounts   map[string]int64 // event type -> count
	OutcomesStale bool
}

// SnapshotReviewer is a reviewer node with the skin attributes it is linked to (HAS edges),
// which may be more than its current reviews state when a review was edited.
type SnapshotReviewer struct {
	ID         string
	Attributes []Attribute
}

// Attribute names one skin attribute node: its kind (KindSkinType, ...) and its name.
type Attribute struct {
	Kind string
	Name string
}

// SnapshotReview is a review as stored (its text is never stored) with its content hash.
type SnapshotReview struct {
	Review
	Hash string
}

// SnapshotClaim is an efficacy claim as stored: the load that wrote it and its content hash.
type SnapshotClaim struct {
	EfficacyClaim
	LoadID string
	Hash   string
}

// SnapshotEvent is a feedback event as stored: ProfileID is the pseudonym, Tenant and ID the
// tenant and the client's id (the stored id is a tag of both), ReceivedAt the time the server
// recorded it, Hash its content hash (Event.ContentHash at the time).
type SnapshotEvent = RecordedEvent

// Source is the provenance record of one committed load.
type Source struct {
	ID       string
	Kind     string
	Citation string
	LoadedAt time.Time
	Counts   string // the load's counts as recorded (a JSON object, kept verbatim)
}

// PseudonymKey records the fingerprint of the key a namespace of pseudonyms was made under.
type PseudonymKey struct {
	Namespace   string
	Fingerprint string
	At          time.Time
}
