package ranker

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
)

// deltaMemorySource is memorySource with a change feed: every bump is an empty change (a
// data version bump that touches nothing projected), read as a delta.
type deltaMemorySource struct {
	memorySource
}

func (m *deltaMemorySource) ProjectDelta(_ context.Context, from graph.DataVersion) (*graph.Delta, error) {
	v, _ := m.DataVersion(context.Background())
	return &graph.Delta{From: from, To: v}, nil
}

// versionVectors are embeddings that remember the data version they were computed for.
type versionVectors struct{ n int64 }

func (v versionVectors) Product(x int32) []float32 { return []float32{float32(v.n), 1} }

// TestEngineEmbedsInTheBackgroundAfterASlowDelta checks the two-phase swap: when embeddings
// are slow, a delta's projection serves at once, requests that use embeddings (liked
// products, similar) are answered from the previous consistent snapshot, and once the
// embeddings of the new version are ready everything answers from it.
func TestEngineEmbedsInTheBackgroundAfterASlowDelta(t *testing.T) {
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	src := &deltaMemorySource{memorySource{t: t, version: 1, n: 500}}
	var mu sync.Mutex
	release := make(chan struct{})
	embed := func(ctx context.Context, p *graph.Projection) (Vectors, error) {
		if p.Version.N > 1 {
			<-release // the embeddings of later versions wait for the test
		} else {
			time.Sleep(syncEmbedBelow + 10*time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		return versionVectors{p.Version.N}, nil
	}
	e, err := NewEngine(src, r, embed, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if _, err := e.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	src.bump()
	if swapped, err := e.Refresh(ctx); err != nil || !swapped {
		t.Fatalf("Refresh after a bump = %v, %v", swapped, err)
	}
	if st := e.Stats(); st.Deltas != 1 || st.Version.N != 2 {
		t.Fatalf("after the bump: %d deltas, version %d; want 1 delta to version 2", st.Deltas, st.Version.N)
	}
	id := e.Snapshot().Projection.Products[0].ID
	_, v, err := e.Similar(ctx, id, 3)
	if err != nil || v.N != 1 {
		t.Errorf("Similar while the embeddings of version 2 are computed: version %d, %v; want 1", v.N, err)
	}
	liked := Request{Profile: Profile{SkinType: "oily", LikedProducts: []string{id}}, Limit: 5}
	if res, _, err := e.RecommendKeyed(ctx, liked, Key(liked)); err != nil || res.Version.N != 1 {
		t.Errorf("a request with liked products while embeddings are computed: version %d, %v; want 1", res.Version.N, err)
	}
	plain := Request{Profile: Profile{SkinType: "oily"}, Limit: 5}
	if res, _, err := e.RecommendKeyed(ctx, plain, Key(plain)); err != nil || res.Version.N != 2 {
		t.Errorf("a request without liked products: version %d, %v; want 2", res.Version.N, err)
	}

	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, v, err := e.Similar(ctx, id, 3); err == nil && v.N == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the embeddings of version 2 never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.Snapshot().Vectors.(versionVectors).n; got != 2 {
		t.Errorf("the current snapshot's vectors are of version %d, want 2", got)
	}
	if res, _, err := e.RecommendKeyed(ctx, liked, Key(liked)); err != nil || res.Version.N != 2 {
		t.Errorf("a request with liked products after the embeddings: version %d, %v; want 2", res.Version.N, err)
	}
}

// steadySource is deltaMemorySource whose full projections do not depend on the version (its
// changes touch nothing projected), so that a delta and a full build of a version agree.
type steadySource struct {
	deltaMemorySource
}

func (m *steadySource) Project(ctx context.Context) (*graph.Projection, error) {
	v, _ := m.DataVersion(ctx)
	p := syntheticProjection(m.t, m.n, 1)
	p.Version, p.BuiltAt = v, time.Now()
	return p, nil
}

// derivedVectors are the vectors an EmbedDeltaFunc derived for version n from those of from;
// they lean 10% off the full vectors of n (versionVectors) in their second entry.
type derivedVectors struct{ n, from int64 }

func (v derivedVectors) Product(x int32) []float32 { return []float32{float32(v.n), 1.1} }

// TestEngineDerivesTheEmbeddingsOfADeltaBeforeTheSwap checks the path with an EmbedDeltaFunc:
// however slow a full embedding is, a delta's snapshot serves at once with vectors derived
// for its own version from the previous ones (similar products and liked products included,
// no older snapshot answers), and Verify measures how far they are from a full computation.
func TestEngineDerivesTheEmbeddingsOfADeltaBeforeTheSwap(t *testing.T) {
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	src := &steadySource{deltaMemorySource{memorySource{t: t, version: 1, n: 500}}}
	var mu sync.Mutex
	full := 0
	embed := func(ctx context.Context, p *graph.Projection) (Vectors, error) {
		time.Sleep(syncEmbedBelow + 10*time.Millisecond) // slow: without a delta path, embeddings would lag
		mu.Lock()
		defer mu.Unlock()
		full++
		return versionVectors{p.Version.N}, nil
	}
	e, err := NewEngine(src, r, embed, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.SetEmbedDelta(func(ctx context.Context, prev Vectors, old, p *graph.Projection, d *graph.Delta) (Vectors, error) {
		var from int64
		switch v := prev.(type) {
		case versionVectors:
			from = v.n
		case derivedVectors:
			from = v.n
		}
		if from != old.Version.N || d.From.N != old.Version.N || d.To.N != p.Version.N {
			t.Errorf("EmbedDeltaFunc got the vectors of version %d, a projection of %d and a delta %d -> %d for %d",
				from, old.Version.N, d.From.N, d.To.N, p.Version.N)
		}
		return derivedVectors{p.Version.N, from}, nil
	})
	ctx := context.Background()
	if _, err := e.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for want := int64(2); want <= 3; want++ {
		src.bump()
		if swapped, err := e.Refresh(ctx); err != nil || !swapped {
			t.Fatalf("Refresh after a bump = %v, %v", swapped, err)
		}
		got, ok := e.Snapshot().Vectors.(derivedVectors)
		if !ok || got != (derivedVectors{want, want - 1}) {
			t.Fatalf("the snapshot of version %d serves with vectors %#v, want derived from %d", want, e.Snapshot().Vectors, want-1)
		}
		id := e.Snapshot().Projection.Products[0].ID
		if _, v, err := e.Similar(ctx, id, 3); err != nil || v.N != want {
			t.Errorf("Similar right after the delta: version %d, %v; want %d", v.N, err, want)
		}
		liked := Request{Profile: Profile{SkinType: "oily", LikedProducts: []string{id}}, Limit: 5}
		if res, _, err := e.RecommendKeyed(ctx, liked, Key(liked)); err != nil || res.Version.N != want {
			t.Errorf("a request with liked products right after the delta: version %d, %v; want %d", res.Version.N, err, want)
		}
	}
	mu.Lock()
	if full != 1 {
		t.Errorf("embeddings computed in full %d times, want 1 (at start)", full)
	}
	mu.Unlock()
	if st := e.Stats(); st.Deltas != 2 || st.LastEmbedDelta <= 0 {
		t.Errorf("stats: %d deltas, last embedding delta %v; want 2 and a duration", st.Deltas, st.LastEmbedDelta)
	}

	res, err := e.Verify(ctx)
	if err != nil || !res.Compared || res.Drift {
		t.Fatalf("Verify = %+v, %v; want compared without projection drift", res, err)
	}
	// derived {3, 1.1} against full {3, 1}: the same cosine distance for every product.
	dist := 1 - (9+1.1)/(math.Sqrt(10)*math.Sqrt(9+1.21))
	want := VectorDrift{Compared: 500, Max: dist, Mean: dist}
	if diff := cmp.Diff(want, res.VectorDrift, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("Verify's vector drift (-want +got):\n%s", diff)
	}
	if _, ok := e.Snapshot().Vectors.(versionVectors); !ok {
		t.Errorf("after Verify the snapshot serves with %#v, want the full computation's", e.Snapshot().Vectors)
	}
}
