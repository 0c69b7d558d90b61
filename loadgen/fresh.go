package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/skingraph/skingraph/client"
)

// FreshnessConfig is one change-to-visible measurement.
type FreshnessConfig struct {
	URL     string
	APIKey  string
	Timeout time.Duration // how long to wait for the change; default 10 min
	Poll    time.Duration // between two polls of the recommendation; default 50 ms
	// Run names the profile and event of this measurement (default: the time), so that
	// repeated runs against one graph write new events.
	Run string
}

// FreshnessReport says how long one rating event took to show in a recommendation.
type FreshnessReport struct {
	Product       string  `json:"product"`
	ScoreBefore   float64 `json:"score_before"`
	ScoreAfter    float64 `json:"score_after"`
	VersionBefore int64   `json:"data_version_before"`
	VersionAfter  int64   `json:"data_version_after"`
	// WriteMs is how long POST /v1/events took to answer (the event committed).
	WriteMs float64 `json:"write_ms"`
	// VisibleMs is from sending the event to the first answer that showed the new score.
	VisibleMs float64 `json:"visible_ms"`
	Polls     int     `json:"polls"`
}

// String is the report for people.
func (r FreshnessReport) String() string {
	return fmt.Sprintf("freshness: one rating of %s visible after %.0f ms (event committed in %.0f ms; score %.6f -> %.6f, data version %d -> %d, %d polls)",
		r.Product, r.VisibleMs, r.WriteMs, r.ScoreBefore, r.ScoreAfter, r.VersionBefore, r.VersionAfter, r.Polls)
}

// Freshness measures the change-to-visible time of one rating event: it stores a profile
// with consent (oily skin, acne), asks its recommendations (explain none), posts one 1-star
// rating of the top product by that profile, then polls the same request until the top
// product's score differs from before (or it left the page) in a newer data version. The
// rating moves that product's peer outcomes for oily skin, so its score must change; how the
// server gets there (a full rebuild or a delta) does not matter to the measurement.
func Freshness(ctx context.Context, cfg FreshnessConfig) (FreshnessReport, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.Run == "" {
		cfg.Run = time.Now().UTC().Format("20060102T150405.000000000")
	}
	opts := []client.Option{client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second})}
	if cfg.APIKey != "" {
		opts = append(opts, client.WithAPIKey(cfg.APIKey))
	}
	c := client.New(strings.TrimRight(cfg.URL, "/"), opts...)
	profileID := "bench-fresh-" + cfg.Run
	profile := client.Profile{SkinType: "oily", Concerns: []string{"acne"}}
	if _, err := c.PutProfile(ctx, profileID, client.SkinProfile{SkinType: profile.SkinType, Concerns: profile.Concerns}); err != nil {
		return FreshnessReport{}, fmt.Errorf("loadgen: freshness: store the profile: %w", err)
	}
	req := client.RecommendationRequest{Profile: profile, Limit: 10, Explain: "none"}
	page, err := c.Recommend(ctx, req)
	if err != nil {
		return FreshnessReport{}, fmt.Errorf("loadgen: freshness: recommendations before: %w", err)
	}
	if len(page.Items) == 0 {
		return FreshnessReport{}, errors.New("loadgen: freshness: the recommendation for oily skin with acne is empty; load data first")
	}
	rep := FreshnessReport{Product: page.Items[0].Product.ID, ScoreBefore: page.Items[0].Score, VersionBefore: page.DataVersion}
	start := time.Now()
	if _, err := c.SendEvents(ctx, client.Event{ID: "bench-fresh-" + cfg.Run, Type: client.EventRating,
		ProductID: rep.Product, ProfileID: profileID, Rating: 1}); err != nil {
		return rep, fmt.Errorf("loadgen: freshness: post the rating: %w", err)
	}
	rep.WriteMs = msSince(start)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	t := time.NewTicker(cfg.Poll)
	defer t.Stop()
	for {
		page, err := c.Recommend(ctx, req)
		rep.Polls++
		if err != nil && ctx.Err() == nil {
			return rep, fmt.Errorf("loadgen: freshness: poll: %w", err)
		}
		if err == nil && page.DataVersion != rep.VersionBefore {
			score, found := scoreOf(page, rep.Product)
			if !found || score != rep.ScoreBefore {
				rep.VisibleMs, rep.ScoreAfter, rep.VersionAfter = msSince(start), score, page.DataVersion
				return rep, nil
			}
		}
		select {
		case <-ctx.Done():
			return rep, fmt.Errorf("loadgen: freshness: the rating was not visible within %s", cfg.Timeout)
		case <-t.C:
		}
	}
}

// scoreOf is the score of product id on page.
func scoreOf(page *client.RecommendationPage, id string) (float64, bool) {
	for _, it := range page.Items {
		if it.Product.ID == id {
			return it.Score, true
		}
	}
	return 0, false
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
