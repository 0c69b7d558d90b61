package ranker

import (
	"context"
	"sync"
	"testing"
	"time"

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
