package loader

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// The records of a snapshot's files: the project's formats (datasets/README.md,
// datasets/EFFICACY.md) with the fields a snapshot adds to carry the graph faithfully.

type snapTreat struct {
	Concern  string  `json:"concern"`
	Efficacy float64 `json:"efficacy"`
	Evidence string  `json:"evidence"`
	Source   string  `json:"source"`
}

type snapAggravation struct {
	Kind     string  `json:"kind"`
	Target   string  `json:"target"`
	Severity float64 `json:"severity"`
	Reason   string  `json:"reason"`
	Source   string  `json:"source"`
}

type snapConflict struct {
	INCI     string  `json:"inci"`
	Severity float64 `json:"severity"`
	Reason   string  `json:"reason"`
	Source   string  `json:"source"`
}

type snapIngredient struct {
	INCI        string            `json:"inci"`
	Name        string            `json:"name"`
	Aliases     []string          `json:"aliases,omitempty"`
	Functions   []string          `json:"functions,omitempty"`
	Comedogenic *int              `json:"comedogenic,omitempty"`
	Treats      []snapTreat       `json:"treats,omitempty"`
	Aggravates  []snapAggravation `json:"aggravates,omitempty"`
	Conflicts   []snapConflict    `json:"conflicts,omitempty"`
	Source      string            `json:"source,omitempty"`
	Curated     bool              `json:"curated"`
	Hash        string            `json:"hash,omitempty"`
}

type snapListed struct {
	INCI          string `json:"inci"`
	Name          string `json:"name"`
	Position      int    `json:"position"`
	Concentration string `json:"concentration,omitempty"`
	MayContain    bool   `json:"may_contain,omitempty"`
	List          string `json:"list,omitempty"`
}

type snapProduct struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Brand          string           `json:"brand"`
	Category       string           `json:"category"`
	Subcategory    string           `json:"subcategory"`
	Price          float64          `json:"price"`
	OutOfStock     bool             `json:"out_of_stock,omitempty"`
	Size           string           `json:"size"`
	Ingredients    string           `json:"ingredients"`
	Claims         []string         `json:"claims"`
	Suits          []string         `json:"suits"`
	Highlights     []string         `json:"highlights"`
	Rating         float64          `json:"rating"`
	ReviewCount    int              `json:"review_count"`
	IngredientList []snapListed     `json:"ingredient_list"`
	EventCounts    map[string]int64 `json:"event_counts,omitempty"`
	OutcomesStale  bool             `json:"outcomes_stale,omitempty"`
	Hash           string           `json:"hash"`
}

type snapAttribute struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type snapReviewer struct {
	ID  string          `json:"id"`
	Has []snapAttribute `json:"has"`
}

type snapReview struct {
	ID          string   `json:"id"`
	Reviewer    string   `json:"reviewer"`
	ProductID   string   `json:"product_id"`
	Rating      int      `json:"rating"`
	Recommended bool     `json:"recommended"`
	At          string   `json:"at,omitempty"`
	SkinType    string   `json:"skin_type,omitempty"`
	SkinTone    string   `json:"skin_tone,omitempty"`
	Concerns    []string `json:"concerns"`
	Effects     []string `json:"effects"`
	Hash        string   `json:"hash"`
}

type snapClaim struct {
	SubjectType string  `json:"subject_type"`
	Subject     string  `json:"subject"`
	Concern     string  `json:"concern"`
	SkinType    string  `json:"skin_type"`
	EffectSize  float64 `json:"effect_size"`
	SampleSize  int     `json:"sample_size"`
	Evidence    string  `json:"evidence"`
	Source      string  `json:"source"`
	Date        string  `json:"date"`
	LoadID      string  `json:"load_id"`
	Hash        string  `json:"hash"`
}

type snapSkinProfile struct {
	SkinType         string   `json:"skin_type,omitempty"`
	SkinTone         string   `json:"skin_tone,omitempty"`
	Concerns         []string `json:"concerns"`
	Sensitivities    []string `json:"sensitivities"`
	AvoidIngredients []string `json:"avoid_ingredients"`
}

type snapProfile struct {
	Pseudonym   string          `json:"pseudonym"`
	Profile     snapSkinProfile `json:"profile"`
	ConsentedAt time.Time       `json:"consented_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

type snapEvent struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant,omitempty"`
	Source     string    `json:"source,omitempty"`
	Type       string    `json:"type"`
	ProductID  string    `json:"product_id"`
	ProfileID  string    `json:"profile_id,omitempty"`
	Rating     int       `json:"rating,omitempty"`
	Effect     string    `json:"effect,omitempty"`
	At         time.Time `json:"at"`
	AtGiven    bool      `json:"at_given"`
	ReceivedAt time.Time `json:"received_at"`
	SkinType   string    `json:"skin_type,omitempty"`
	SkinTone   string    `json:"skin_tone,omitempty"`
	Concerns   []string  `json:"concerns,omitempty"`
	Hash       string    `json:"hash"`
}

type snapSource struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Citation string    `json:"citation"`
	LoadedAt time.Time `json:"loaded_at"`
	Counts   string    `json:"counts"`
}

type snapKey struct {
	Namespace   string    `json:"namespace"`
	Fingerprint string    `json:"fingerprint"`
	At          time.Time `json:"at"`
}

type snapOutcome struct {
	ProductID     string         `json:"product_id"`
	Kind          string         `json:"kind"`
	Attribute     string         `json:"attribute"`
	Count         int            `json:"count"`
	MeanRating    float64        `json:"mean_rating"`
	RecommendRate float64        `json:"recommend_rate"`
	Effects       map[string]int `json:"effects"`
}

// snapRule is a merchandising rule as stored (format 2): the API's fields plus its revision
// and audit fields.
type snapRule struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Condition snapRuleCondition `json:"condition"`
	Match     snapRuleMatch     `json:"match"`
	Amount    float64           `json:"amount,omitempty"`
	ProductID string            `json:"product_id,omitempty"`
	Position  int               `json:"position,omitempty"`
	From      *time.Time        `json:"from,omitempty"`
	Until     *time.Time        `json:"until,omitempty"`
	Revision  int64             `json:"revision"`
	CreatedBy string            `json:"created_by"`
	UpdatedBy string            `json:"updated_by"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type snapRuleCondition struct {
	SkinTypes  []string `json:"skin_types"`
	Concerns   []string `json:"concerns"`
	Categories []string `json:"categories"`
}

type snapRuleMatch struct {
	Brands      []string `json:"brands"`
	Categories  []string `json:"categories"`
	Ingredients []string `json:"ingredients"`
	Claims      []string `json:"claims"`
	ProductIDs  []string `json:"product_ids"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// snapshotRecords converts a snapshot to the records of each file.
func snapshotRecords(s graph.Snapshot) map[string][]any {
	out := map[string][]any{}
	add := func(name string, v any) { out[name] = append(out[name], v) }
	for _, i := range s.Ingredients {
		r := snapIngredient{INCI: i.INCI, Name: i.Name, Aliases: i.Aliases, Functions: i.Functions, Comedogenic: i.Comedogenic,
			Source: i.Source, Curated: i.Curated, Hash: i.Hash}
		for _, t := range i.Treats {
			r.Treats = append(r.Treats, snapTreat(t))
		}
		for _, a := range i.Aggravates {
			r.Aggravates = append(r.Aggravates, snapAggravation(a))
		}
		for _, c := range i.Conflicts {
			r.Conflicts = append(r.Conflicts, snapConflict(c))
		}
		add("ingredients.jsonl", r)
	}
	for _, p := range s.Products {
		r := snapProduct{ID: p.ID, Name: p.Name, Brand: p.Brand, Category: p.Category, Subcategory: p.Subcategory,
			Price: p.Price, OutOfStock: p.OutOfStock, Size: p.Size, Ingredients: p.IngredientsText, Claims: nonNilStrings(p.Claims), Suits: nonNilStrings(p.Suits),
			Highlights: nonNilStrings(p.Highlights), Rating: p.Rating, ReviewCount: p.ReviewCount, IngredientList: []snapListed{},
			EventCounts: p.EventCounts, OutcomesStale: p.OutcomesStale, Hash: p.Hash}
		for _, in := range p.Ingredients {
			r.IngredientList = append(r.IngredientList, snapListed{INCI: in.INCI, Name: in.Name, Position: in.Position,
				Concentration: in.Concentration, MayContain: in.MayContain, List: in.List})
		}
		add("products.jsonl", r)
	}
	for _, u := range s.Reviewers {
		r := snapReviewer{ID: u.ID, Has: []snapAttribute{}}
		for _, a := range u.Attributes {
			r.Has = append(r.Has, snapAttribute(a))
		}
		add("reviewers.jsonl", r)
	}
	for _, rv := range s.Reviews {
		r := snapReview{ID: rv.ID, Reviewer: rv.Reviewer, ProductID: rv.ProductID, Rating: rv.Rating, Recommended: rv.Recommended,
			SkinType: rv.SkinType, SkinTone: rv.SkinTone, Concerns: nonNilStrings(rv.Concerns), Effects: nonNilStrings(rv.Effects), Hash: rv.Hash}
		if !rv.At.IsZero() {
			r.At = rv.At.UTC().Format(time.RFC3339Nano)
		}
		add("reviews.jsonl", r)
	}
	for _, c := range s.Claims {
		add("efficacy.jsonl", snapClaim{SubjectType: c.SubjectType, Subject: c.Subject, Concern: c.Concern, SkinType: c.SkinType,
			EffectSize: c.EffectSize, SampleSize: c.SampleSize, Evidence: c.Evidence, Source: c.Source,
			Date: c.Date.Format(time.DateOnly), LoadID: c.LoadID, Hash: c.Hash})
	}
	for _, p := range s.Profiles {
		add("profiles.jsonl", snapProfile{Pseudonym: p.ID, ConsentedAt: p.ConsentedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
			Profile: snapSkinProfile{SkinType: p.Profile.SkinType, SkinTone: p.Profile.SkinTone, Concerns: nonNilStrings(p.Profile.Concerns),
				Sensitivities: nonNilStrings(p.Profile.Sensitivities), AvoidIngredients: nonNilStrings(p.Profile.AvoidIngredients)}})
	}
	for _, e := range s.Events {
		add("events.jsonl", snapEvent{ID: e.ID, Tenant: e.Tenant, Source: e.Source, Type: e.Type, ProductID: e.ProductID, ProfileID: e.ProfileID, Rating: e.Rating,
			Effect: e.Effect, At: e.At.UTC(), AtGiven: e.AtGiven, ReceivedAt: e.ReceivedAt.UTC(), SkinType: e.SkinType,
			SkinTone: e.SkinTone, Concerns: e.Concerns, Hash: e.Hash})
	}
	for _, src := range s.Sources {
		add("sources.jsonl", snapSource{ID: src.ID, Kind: src.Kind, Citation: src.Citation, LoadedAt: src.LoadedAt.UTC(), Counts: src.Counts})
	}
	for _, k := range s.PseudonymKeys {
		add("pseudonym_keys.jsonl", snapKey{Namespace: k.Namespace, Fingerprint: k.Fingerprint, At: k.At.UTC()})
	}
	for _, r := range s.Rules {
		add("rules.jsonl", snapRule{ID: r.ID, Name: r.Name, Kind: r.Kind,
			Condition: snapRuleCondition{SkinTypes: nonNilStrings(r.Condition.SkinTypes), Concerns: nonNilStrings(r.Condition.Concerns),
				Categories: nonNilStrings(r.Condition.Categories)},
			Match: snapRuleMatch{Brands: nonNilStrings(r.Match.Brands), Categories: nonNilStrings(r.Match.Categories),
				Ingredients: nonNilStrings(r.Match.Ingredients), Claims: nonNilStrings(r.Match.Claims), ProductIDs: nonNilStrings(r.Match.ProductIDs)},
			Amount: r.Amount, ProductID: r.ProductID, Position: r.Position, From: optionalTime(r.From), Until: optionalTime(r.Until),
			Revision: r.Revision, CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()})
	}
	for _, o := range s.Outcomes {
		effects := o.Effects
		if effects == nil {
			effects = map[string]int{}
		}
		add("outcomes.jsonl", snapOutcome{ProductID: o.ProductID, Kind: o.Kind, Attribute: o.Attribute, Count: o.Count,
			MeanRating: o.MeanRating, RecommendRate: o.RecommendRate, Effects: effects})
	}
	return out
}

// readSnapshotFile decodes one file of a snapshot into snap, recording bad lines in verr. It
// returns the number of records read.
func readSnapshotFile(name string, data []byte, snap *graph.Snapshot, verr *graph.ValidationError) (int, error) {
	n := 0
	r := bytes.NewReader(data)
	keys := keyLines{}
	vocab := func(line int, field string, v *graph.Vocabulary, term string) {
		if term != "" {
			if c := checkVocab(verr, line, field, v, term); c != term && c != "" {
				verr.Add(line, field, fmt.Sprintf("%q is not the canonical name %q", term, c))
			}
		}
	}
	vocabs := func(line int, field string, v *graph.Vocabulary, terms []string) {
		for i, t := range terms {
			vocab(line, fmt.Sprintf("%s[%d]", field, i), v, t)
		}
	}
	var err error
	switch name {
	case "ingredients.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapIngredient) {
			n++
			keys.claim(verr, line, "inci", rec.INCI)
			ing := graph.SnapshotIngredient{Ingredient: graph.Ingredient{INCI: rec.INCI, Name: rec.Name, Aliases: rec.Aliases,
				Functions: rec.Functions, Comedogenic: rec.Comedogenic, Source: rec.Source}, Curated: rec.Curated, Hash: rec.Hash}
			for i, t := range rec.Treats {
				vocab(line, fmt.Sprintf("treats[%d].concern", i), graph.Concerns, t.Concern)
				ing.Treats = append(ing.Treats, graph.Treatment(t))
			}
			for _, a := range rec.Aggravates {
				ing.Aggravates = append(ing.Aggravates, graph.Aggravation(a))
			}
			for _, c := range rec.Conflicts {
				ing.Conflicts = append(ing.Conflicts, graph.Conflict(c))
			}
			snap.Ingredients = append(snap.Ingredients, ing)
		})
	case "products.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapProduct) {
			n++
			keys.claim(verr, line, "id", rec.ID)
			vocab(line, "category", graph.Categories, rec.Category)
			vocabs(line, "claims", graph.Concerns, rec.Claims)
			vocabs(line, "suits", graph.SkinTypes, rec.Suits)
			if rec.IngredientList == nil {
				verr.Add(line, "ingredient_list", "required in a snapshot")
			}
			p := graph.SnapshotProduct{Product: graph.Product{ID: rec.ID, Name: rec.Name, Brand: rec.Brand, Category: rec.Category,
				Subcategory: rec.Subcategory, Price: rec.Price, OutOfStock: rec.OutOfStock, Size: rec.Size, Rating: rec.Rating, ReviewCount: rec.ReviewCount,
				Highlights: rec.Highlights, Claims: rec.Claims, Suits: rec.Suits, IngredientsText: rec.Ingredients},
				Hash: rec.Hash, EventCounts: rec.EventCounts, OutcomesStale: rec.OutcomesStale}
			for i, in := range rec.IngredientList {
				if in.INCI == "" {
					verr.Add(line, fmt.Sprintf("ingredient_list[%d].inci", i), "required")
				}
				p.Ingredients = append(p.Ingredients, graph.ProductIngredient{INCI: in.INCI, Name: in.Name, Position: in.Position,
					Concentration: in.Concentration, MayContain: in.MayContain, List: in.List})
			}
			snap.Products = append(snap.Products, p)
		})
	case "reviewers.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapReviewer) {
			n++
			keys.claim(verr, line, "id", rec.ID)
			u := graph.SnapshotReviewer{ID: rec.ID}
			for _, a := range rec.Has {
				u.Attributes = append(u.Attributes, graph.Attribute(a))
			}
			snap.Reviewers = append(snap.Reviewers, u)
		})
	case "reviews.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapReview) {
			n++
			keys.claim(verr, line, "id", rec.ID)
			rv := graph.SnapshotReview{Review: graph.Review{ID: rec.ID, Reviewer: rec.Reviewer, ProductID: rec.ProductID, Rating: rec.Rating,
				Recommended: rec.Recommended, SkinType: rec.SkinType, SkinTone: rec.SkinTone, Concerns: rec.Concerns, Effects: rec.Effects}, Hash: rec.Hash}
			if rec.At != "" {
				at, err := time.Parse(time.RFC3339Nano, rec.At)
				if err != nil {
					verr.Add(line, "at", fmt.Sprintf("must be an RFC 3339 time, got %q", rec.At))
				}
				rv.At = at.UTC()
			}
			vocab(line, "skin_type", graph.SkinTypes, rec.SkinType)
			vocab(line, "skin_tone", graph.SkinTones, rec.SkinTone)
			vocabs(line, "concerns", graph.Concerns, rec.Concerns)
			vocabs(line, "effects", graph.Effects, rec.Effects)
			snap.Reviews = append(snap.Reviews, rv)
		})
	case "efficacy.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapClaim) {
			n++
			date, err := time.Parse(time.DateOnly, rec.Date)
			if err != nil {
				verr.Add(line, "date", fmt.Sprintf("must be YYYY-MM-DD, got %q", rec.Date))
			}
			if rec.SubjectType != graph.SubjectIngredient && rec.SubjectType != graph.SubjectProduct {
				verr.Add(line, "subject_type", fmt.Sprintf("must be ingredient or product, got %q", rec.SubjectType))
			}
			vocab(line, "concern", graph.Concerns, rec.Concern)
			vocab(line, "skin_type", graph.SkinTypes, rec.SkinType)
			snap.Claims = append(snap.Claims, graph.SnapshotClaim{EfficacyClaim: graph.EfficacyClaim{SubjectType: rec.SubjectType,
				Subject: rec.Subject, Concern: rec.Concern, SkinType: rec.SkinType, EffectSize: rec.EffectSize, SampleSize: rec.SampleSize,
				Evidence: rec.Evidence, Source: rec.Source, Date: date}, LoadID: rec.LoadID, Hash: rec.Hash})
		})
	case "profiles.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapProfile) {
			n++
			keys.claim(verr, line, "pseudonym", rec.Pseudonym)
			vocab(line, "profile.skin_type", graph.SkinTypes, rec.Profile.SkinType)
			vocab(line, "profile.skin_tone", graph.SkinTones, rec.Profile.SkinTone)
			vocabs(line, "profile.concerns", graph.Concerns, rec.Profile.Concerns)
			vocabs(line, "profile.sensitivities", graph.Sensitivities, rec.Profile.Sensitivities)
			snap.Profiles = append(snap.Profiles, graph.StoredProfile{ID: rec.Pseudonym, ConsentedAt: rec.ConsentedAt.UTC(), UpdatedAt: rec.UpdatedAt.UTC(),
				Profile: graph.SkinProfile{SkinType: rec.Profile.SkinType, SkinTone: rec.Profile.SkinTone, Concerns: rec.Profile.Concerns,
					Sensitivities: rec.Profile.Sensitivities, AvoidIngredients: rec.Profile.AvoidIngredients}})
		})
	case "events.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapEvent) {
			n++
			key := "" // event ids are unique per tenant
			if rec.ID != "" {
				key = rec.Tenant + "\x00" + rec.ID
			}
			keys.claim(verr, line, "id", key)
			vocab(line, "effect", graph.Effects, rec.Effect)
			vocab(line, "skin_type", graph.SkinTypes, rec.SkinType)
			vocab(line, "skin_tone", graph.SkinTones, rec.SkinTone)
			vocabs(line, "concerns", graph.Concerns, rec.Concerns)
			snap.Events = append(snap.Events, graph.SnapshotEvent{Event: graph.Event{ID: rec.ID, Tenant: rec.Tenant, Source: rec.Source, Type: rec.Type, ProductID: rec.ProductID,
				ProfileID: rec.ProfileID, Rating: rec.Rating, Effect: rec.Effect, At: rec.At.UTC(), AtGiven: rec.AtGiven,
				SkinType: rec.SkinType, SkinTone: rec.SkinTone, Concerns: rec.Concerns}, ReceivedAt: rec.ReceivedAt.UTC(), Hash: rec.Hash})
		})
	case "sources.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapSource) {
			n++
			keys.claim(verr, line, "id", rec.ID)
			snap.Sources = append(snap.Sources, graph.Source{ID: rec.ID, Kind: rec.Kind, Citation: rec.Citation, LoadedAt: rec.LoadedAt.UTC(), Counts: rec.Counts})
		})
	case "pseudonym_keys.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapKey) {
			n++
			keys.claim(verr, line, "namespace", rec.Namespace)
			snap.PseudonymKeys = append(snap.PseudonymKeys, graph.PseudonymKey{Namespace: rec.Namespace, Fingerprint: rec.Fingerprint, At: rec.At.UTC()})
		})
	case "outcomes.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapOutcome) {
			n++
			snap.Outcomes = append(snap.Outcomes, graph.Outcome{ProductID: rec.ProductID, Kind: rec.Kind, Attribute: rec.Attribute,
				Count: rec.Count, MeanRating: rec.MeanRating, RecommendRate: rec.RecommendRate, Effects: rec.Effects})
		})
	case "rules.jsonl":
		err = decodeJSONL(r, verr, func(line int, rec *snapRule) {
			n++
			keys.claim(verr, line, "id", rec.ID)
			rule := graph.Rule{ID: rec.ID, Name: rec.Name, Kind: rec.Kind,
				Condition: graph.RuleCondition(rec.Condition), Match: graph.RuleMatch(rec.Match),
				Amount: rec.Amount, ProductID: rec.ProductID, Position: rec.Position,
				Revision: rec.Revision, CreatedBy: rec.CreatedBy, UpdatedBy: rec.UpdatedBy, CreatedAt: rec.CreatedAt.UTC(), UpdatedAt: rec.UpdatedAt.UTC()}
			if rec.From != nil {
				rule.From = rec.From.UTC()
			}
			if rec.Until != nil {
				rule.Until = rec.Until.UTC()
			}
			if rec.Revision < 1 {
				verr.Add(line, "revision", "must be 1 or more")
			}
			if err := rule.Validate(); err != nil {
				var fields *graph.ValidationError
				if errors.As(err, &fields) {
					for _, f := range fields.Fields {
						verr.Add(line, f.Field, f.Message)
					}
				} else {
					verr.Add(line, "", err.Error())
				}
			}
			snap.Rules = append(snap.Rules, rule)
		})
	default:
		return 0, fmt.Errorf("unknown snapshot file %q", name)
	}
	return n, err
}
