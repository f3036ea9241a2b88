package transport

import (
	"context"
	"iter"
)

// Page is where a walk over pages stands: N is the page just fetched (1: the walk's first) and
// Of the pages the walk has in all, as the vendor told it (kqapi's totalpage, Kimai's
// X-Total-Pages, Didi's total over the page length); 0 when it did not say.
type Page struct{ N, Of int64 }

type pageTraceKey struct{}

// WithPageTrace returns a context whose page walks (Pages, Offsets) tell f of every page they
// fetch, after its items are decoded and before they are yielded; like net/http/httptrace, it
// only observes. A run's progress report reads "page 12 of 40" from it.
func WithPageTrace(ctx context.Context, f func(Page)) context.Context {
	return context.WithValue(ctx, pageTraceKey{}, f)
}

// tracePage tells ctx's page trace, if any, of page p.
func tracePage(ctx context.Context, p Page) {
	if f, ok := ctx.Value(pageTraceKey{}).(func(Page)); ok && f != nil {
		f(p)
	}
}

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
			p := Page{N: page - start + 1}
			if last >= page {
				p.Of = last - start + 1
			}
			tracePage(ctx, p)
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
			var p Page
			if length > 0 {
				p.N = (offset-start)/length + 1
				if total > start {
					p.Of = (total - start + length - 1) / length
				}
			}
			tracePage(ctx, p)
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
