package testcontainers_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/skingraph/skingraph/client"
	"github.com/skingraph/skingraph/testcontainers"
)

// An app's integration test starts the whole service (skingraph and its Neo4j) in one call,
// with the demo data and a key of the app's role, and calls it through the typed client.
// With a Docker engine it runs the project's image and the official Neo4j image; without
// one, the local Neo4j and the skingraph program as child processes.
func ExampleStartService() {
	ctx := context.Background()
	svc, err := testcontainers.StartService(ctx, testcontainers.ServiceOptions{
		Demo: true,
		Keys: []testcontainers.KeySpec{{Name: "shop", Role: "app"}, {Name: "merch", Role: "merchandiser"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Stop(ctx)

	page, err := svc.Client.Recommend(ctx, client.RecommendationRequest{
		Profile: client.Profile{SkinType: "oily", Concerns: []string{"acne"}},
		Limit:   3,
		Explain: "full",
	})
	if err != nil {
		log.Fatal(err)
	}
	explained := 0
	for _, it := range page.Items {
		if len(it.Why) > 0 && it.Why[0].Cypher != "" {
			explained++
		}
	}
	fmt.Printf("%d recommendations, %d with a why and its Cypher\n", len(page.Items), explained)

	// The app key may not upload products; the merchandiser key is in svc.Keys.
	var refused *client.Problem
	if err := svc.Client.Do(ctx, "POST", "/v1/products", []any{}, nil); errors.As(err, &refused) {
		fmt.Println("app key uploading products:", refused.Status)
	}
	fmt.Println("keys made:", len(svc.Keys))
	// Output:
	// 3 recommendations, 3 with a why and its Cypher
	// app key uploading products: 403
	// keys made: 2
}
