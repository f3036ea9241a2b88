package transport

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPageTrace: a page walk tells the context's trace of every page it fetches, with the number
// of pages the vendor said the walk has (0 when it did not).
func TestPageTrace(t *testing.T) {
	tests := []struct {
		name string
		walk func(ctx context.Context) int
		want []Page
	}{
		{"numbered pages with a last page (kqapi totalpage, Kimai X-Total-Pages)", func(ctx context.Context) int {
			return count(Pages(ctx, 1, func(_ context.Context, page int64) ([]int, int64, error) { return []int{1, 2}, 3, nil }))
		}, []Page{{1, 3}, {2, 3}, {3, 3}}},
		{"numbered pages from page 2", func(ctx context.Context) int {
			return count(Pages(ctx, 2, func(_ context.Context, page int64) ([]int, int64, error) { return []int{1}, 4, nil }))
		}, []Page{{1, 3}, {2, 3}, {3, 3}}},
		{"numbered pages without a total", func(ctx context.Context) int {
			return count(Pages(ctx, 1, func(_ context.Context, page int64) ([]int, int64, error) {
				if page == 2 {
					return nil, 0, nil
				}
				return []int{1}, 0, nil
			}))
		}, []Page{{1, 0}}},
		{"offsets with a total (Didi)", func(ctx context.Context) int {
			return count(Offsets(ctx, 0, 100, func(_ context.Context, offset, n int64) ([]int, int64, error) {
				return make([]int, min(n, 250-offset)), 250, nil
			}))
		}, []Page{{1, 3}, {2, 3}, {3, 3}}},
		{"offsets from an offset", func(ctx context.Context) int {
			return count(Offsets(ctx, 50, 100, func(_ context.Context, offset, n int64) ([]int, int64, error) {
				return make([]int, min(n, 250-offset)), 250, nil
			}))
		}, []Page{{1, 2}, {2, 2}}},
		{"offsets without a total", func(ctx context.Context) int {
			return count(Offsets(ctx, 0, 2, func(_ context.Context, offset, n int64) ([]int, int64, error) {
				return make([]int, min(n, 3-offset)), 0, nil
			}))
		}, []Page{{1, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Page
			ctx := WithPageTrace(context.Background(), func(p Page) { got = append(got, p) })
			tt.walk(ctx)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("pages traced (-want +got):\n%s", d)
			}
			if n := tt.walk(context.Background()); n == 0 {
				t.Error("without a trace the walk yielded nothing")
			}
		})
	}
}

func count(seq func(func(int, error) bool)) int {
	n := 0
	for range seq {
		n++
	}
	return n
}
