package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
)

// fakeEvents validates with the domain's rules and records nothing: an event id "dup-*" is a
// duplicate, "conflict" a conflict, a product "down" an unavailable Neo4j.
type fakeEvents struct {
	got    []graph.Event
	caller graph.Caller
}

func (f *fakeEvents) RecordEvents(_ context.Context, caller graph.Caller, events []graph.Event) (graph.EventResult, error) {
	f.caller = caller
	events, err := graph.ValidateEvents(events, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return graph.EventResult{}, err
	}
	f.got = events
	var res graph.EventResult
	cerr := &graph.ConflictError{}
	for i, e := range events {
		switch {
		case e.ProductID == "down":
			return graph.EventResult{}, fmt.Errorf("write at bolt://internal:7687: %w", graph.ErrUnavailable)
		case e.ID == "conflict":
			cerr.Fields = append(cerr.Fields, graph.FieldError{Field: fmt.Sprintf("events[%d].id", i), Message: "recorded with other content"})
		case strings.HasPrefix(e.ID, "dup-"):
			res.Duplicates++
		default:
			res.Created++
		}
	}
	if len(cerr.Fields) > 0 {
		return graph.EventResult{}, cerr
	}
	return res, nil
}

func TestPostEvents(t *testing.T) {
	tests := []struct {
		name, body string
		wantStatus int
		want       string
	}{
		{"recorded", `{"events":[{"id":"e1","type":"view","product_id":"p1"},{"id":"dup-1","type":"rating","product_id":"p1","rating":5,"profile_id":"me","at":"2025-04-01T09:00:00+02:00"}]}`,
			200, `{"received":2,"created":1,"duplicates":1}`},
		{"bad events by index and field", `{"events":[{"id":"e1","type":"view","product_id":"p1"},{"id":"e2","type":"rating","product_id":"p1","rating":9},{"id":"e3","type":"effect","product_id":"p1","effect":"glow"}]}`,
			422, `{"type":"about:blank","title":"Invalid input","status":422,"detail":"the input has invalid fields; see errors","instance":"/v1/events","errors":[
				{"field":"events[1].rating","message":"a rating event needs a rating from 1 to 5, got 9"},
				{"field":"events[2].effect","message":"unknown effect \"glow\""}]}`},
		{"bad time", `{"events":[{"id":"e1","type":"view","product_id":"p1","at":"yesterday"}]}`,
			422, `{"type":"about:blank","title":"Invalid input","status":422,"detail":"the input has invalid fields; see errors","instance":"/v1/events","errors":[
				{"field":"events[0].at","message":"must be an RFC 3339 time such as 2025-04-01T09:00:00Z, got \"yesterday\""}]}`},
		{"unknown field", `{"events":[{"id":"e1","type":"view","product_id":"p1","colour":"red"}]}`,
			422, `{"type":"about:blank","title":"Invalid input","status":422,"detail":"the input has invalid fields; see errors","instance":"/v1/events","errors":[
				{"field":"events[0].colour","message":"unknown field"}]}`},
		{"empty", `{"events":[]}`,
			422, `{"type":"about:blank","title":"Invalid input","status":422,"detail":"the input has invalid fields; see errors","instance":"/v1/events","errors":[
				{"field":"events","message":"must hold at least one event"}]}`},
		{"conflict", `{"events":[{"id":"e1","type":"view","product_id":"p1"},{"id":"conflict","type":"view","product_id":"p1"}]}`,
			409, `{"type":"about:blank","title":"Conflict","status":409,"detail":"events with these ids were recorded before with other content; nothing of this request was recorded","instance":"/v1/events","errors":[
				{"field":"events[1].id","message":"recorded with other content"}]}`},
		{"neo4j down", `{"events":[{"id":"e1","type":"view","product_id":"down"}]}`,
			503, `{"type":"about:blank","title":"Service unavailable","status":503,"detail":"a dependency is unavailable; retry later","instance":"/v1/events"}`},
		{"malformed", `{"events":[`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Deps{Events: &fakeEvents{}, Log: zerolog.Nop()})
			resp, body := serveOnce(t, h, http.MethodPost, "/v1/events", tt.body, map[string]string{"Content-Type": "application/json"})
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
			if tt.want == "" {
				return
			}
			var got, want any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("want: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostEventsPassesTheEvents(t *testing.T) {
	fake := &fakeEvents{}
	h := New(Deps{Events: fake, Log: zerolog.Nop()})
	body := `{"events":[{"id":"e1","type":"effect","product_id":"p1","profile_id":"client-7","effect":"irritated","at":"2025-04-01T09:00:00+02:00"}]}`
	if resp, b := serveOnce(t, h, http.MethodPost, "/v1/events", body, nil); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	want := []graph.Event{{ID: "e1", Type: "effect", ProductID: "p1", ProfileID: "client-7", Effect: "irritation",
		At: time.Date(2025, 4, 1, 7, 0, 0, 0, time.UTC), AtGiven: true}}
	if diff := cmp.Diff(want, fake.got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// fakeProfiles keeps profiles in a map by client id, with the domain's validation.
type fakeProfiles struct {
	m map[string]graph.StoredProfile
}

func (f *fakeProfiles) PutProfile(_ context.Context, _ graph.Caller, id string, consent bool, p graph.SkinProfile) (graph.StoredProfile, bool, error) {
	if err := graph.ValidateClientID(id); err != nil {
		return graph.StoredProfile{}, false, err
	}
	if !consent {
		verr := &graph.ValidationError{}
		verr.Add(0, "consent", "must be true")
		return graph.StoredProfile{}, false, verr
	}
	p, err := graph.ValidateProfile(p)
	if err != nil {
		return graph.StoredProfile{}, false, err
	}
	_, old := f.m[id]
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	sp := graph.StoredProfile{ID: "profile-" + strings.Repeat("0", 32), Profile: p, ConsentedAt: at, UpdatedAt: at}
	f.m[id] = sp
	return sp, !old, nil
}

func (f *fakeProfiles) ExportProfile(_ context.Context, _ graph.Caller, id string) (graph.ProfileExport, error) {
	sp, ok := f.m[id]
	if !ok {
		return graph.ProfileExport{}, fmt.Errorf("export: %w", graph.ErrNotFound)
	}
	return graph.ProfileExport{Profile: sp, Events: []graph.Event{{ID: "e1", Type: "rating", ProductID: "p1", Rating: 4,
		At: sp.UpdatedAt, AtGiven: true, SkinType: sp.Profile.SkinType}}}, nil
}

func (f *fakeProfiles) EraseProfile(_ context.Context, _ graph.Caller, id string) error {
	if _, ok := f.m[id]; !ok {
		return fmt.Errorf("erase: %w", graph.ErrNotFound)
	}
	delete(f.m, id)
	return nil
}

func TestProfileRoutes(t *testing.T) {
	h := New(Deps{Profiles: &fakeProfiles{m: map[string]graph.StoredProfile{}}, Log: zerolog.Nop()})
	json := map[string]string{"Content-Type": "application/json"}
	steps := []struct {
		name, method, path, body string
		wantStatus               int
		want                     string // substring of the body
	}{
		{"no consent", "PUT", "/v1/profiles/alice", `{"profile":{"skin_type":"oily"}}`, 422, `"field":"consent"`},
		{"consent false", "PUT", "/v1/profiles/alice", `{"consent":false,"profile":{"skin_type":"oily"}}`, 422, `"field":"consent"`},
		{"bad profile", "PUT", "/v1/profiles/alice", `{"consent":true,"profile":{"skin_type":"oilly","shoe_size":42}}`, 422, `"field":"profile.shoe_size"`},
		{"export before", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"created", "PUT", "/v1/profiles/alice", `{"consent":true,"profile":{"skin_type":"Oily","concerns":["acne"]}}`, 201,
			`"profile":{"skin_type":"oily","concerns":["acne"],"sensitivities":[],"avoid_ingredients":[]}`},
		{"replaced", "PUT", "/v1/profiles/alice", `{"consent":true,"profile":{"skin_type":"dry"}}`, 200, `"skin_type":"dry"`},
		{"export", "GET", "/v1/profiles/alice/export", "", 200, `"events":[{"id":"e1","type":"rating","product_id":"p1","rating":4,"at":"2025-05-01T00:00:00Z","at_given":true,"skin_type":"dry"}]`},
		{"erase", "DELETE", "/v1/profiles/alice", "", 204, ""},
		{"erase again", "DELETE", "/v1/profiles/alice", "", 404, `"status":404`},
		{"export after", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"id too long", "PUT", "/v1/profiles/" + strings.Repeat("x", 129), `{"consent":true,"profile":{}}`, 422, `"field":"id"`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			resp, body := serveOnce(t, h, s.method, s.path, s.body, json)
			if resp.StatusCode != s.wantStatus || !strings.Contains(body, s.want) {
				t.Fatalf("%s %s = %d %s; want %d with %s", s.method, s.path, resp.StatusCode, body, s.wantStatus, s.want)
			}
			if s.wantStatus >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q, want problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestProfileAndEventRoutesWithoutBackends(t *testing.T) {
	h := New(Deps{Log: zerolog.Nop()})
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/v1/profiles/alice", `{"consent":true,"profile":{}}`},
		{"GET", "/v1/profiles/alice/export", ""},
		{"DELETE", "/v1/profiles/alice", ""},
		{"POST", "/v1/events", `{"events":[]}`},
	} {
		resp, body := serveOnce(t, h, r.method, r.path, r.body, nil)
		if resp.StatusCode != http.StatusNotImplemented {
			t.Errorf("%s %s = %d %s, want 501", r.method, r.path, resp.StatusCode, body)
		}
	}
}

// TestRoutesPassTheCallersTenant: the key's tenant (its line's tenant=, or its id) reaches the
// event and profile services; without keys, the local tenant.
func TestRoutesPassTheCallersTenant(t *testing.T) {
	tokA, lineA, _ := auth.NewInTenant(auth.RoleApp, "web", "shop")
	tokB, lineB, _ := auth.New(auth.RoleApp, "old")
	ring, err := auth.Parse(strings.NewReader(lineA + "\n" + lineB))
	if err != nil {
		t.Fatal(err)
	}
	idB := strings.Fields(lineB)[0]
	idA := strings.Fields(lineA)[0]
	body := `{"events":[{"id":"e1","type":"view","product_id":"p1"}]}`
	for _, tt := range []struct {
		name  string
		ring  *auth.Ring
		token string
		want  graph.Caller
	}{
		{"tenant named", ring, tokA, graph.Caller{Tenant: "shop", Key: idA}},
		{"old line: its own tenant", ring, tokB, graph.Caller{Tenant: idB, Key: idB}},
		{"no keys: local", nil, "", graph.Caller{Tenant: graph.LocalTenant}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEvents{}
			h := New(Deps{Events: fake, Log: zerolog.Nop(), Keys: tt.ring})
			hdr := map[string]string{"Content-Type": "application/json"}
			if tt.token != "" {
				hdr["Authorization"] = "Bearer " + tt.token
			}
			if resp, b := serveOnce(t, h, http.MethodPost, "/v1/events", body, hdr); resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if diff := cmp.Diff(tt.want, fake.caller); diff != "" {
				t.Errorf("caller (-want +got):\n%s", diff)
			}
		})
	}
}
