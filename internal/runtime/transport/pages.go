package transport

import (
	"context"
	"iter"
)

// Pages walks numbered pages from start: fetch returns a page's items and the number of the last
// page. Iteration stops after the last page, at an empty page, or at the first error, which is
// yielded once.
func Pages[T any](ctx context.Context, start int64, fetch func(ctx context.Context, page int64) ([]T, int64, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := start; ; page++ {
			items, last, err := fetch(ctx, page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || page >= last {
				return
			}
		}
	}
}

// Offsets walks offset/length pages: fetch returns the items at offset and the total count.
// Iteration stops when total items were seen, at a short or empty page, or at the first error.
func Offsets[T any](ctx context.Context, start, length int64, fetch func(ctx context.Context, offset, length int64) ([]T, int64, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for offset := start; ; offset += length {
			items, total, err := fetch(ctx, offset, length)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if int64(len(items)) < length || offset+int64(len(items)) >= total {
				return
			}
		}
	}
}
