package tokencache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

func ExampleSource() {
	c := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	n := 0
	authorize := func(ctx context.Context) (tokencache.Token, error) {
		n++ // in a client: POST /river/Auth/authorize, expires_in 1800
		return tokencache.Token{Value: fmt.Sprintf("token-%d", n), Expiry: c.Now().Add(1800 * time.Second)}, nil
	}
	src, err := tokencache.NewSource(authorize, c, nil, "didi:client_id_test", []string{"client-secret"}, time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	a, _ := src.Token(ctx)
	b, _ := src.Token(ctx) // cached
	src.Invalidate(b)      // the API answered errno 401
	d, _ := src.Token(ctx)
	c.Advance(30 * time.Minute) // past expiry minus one minute
	e, _ := src.Token(ctx)
	fmt.Println(a, b, d, e, src.Fetches())
	// Output: token-1 token-1 token-2 token-3 3
}
