// Package callerzone holds the time zone of an API's caller: the zone a vendor reads local datetimes
// in for the user the credentials belong to (Kimai: the profile's timezone). A generated client
// asks for it once, through the operation its spec names, and converts the datetime parameters
// marked `zone: caller` to it before sending.
package callerzone

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Zone is the caller's zone, fetched on first use and cached. A failed fetch is not cached: the
// next use asks again. It is safe for concurrent use; one fetch is in flight at a time.
type Zone struct {
	fetch func(ctx context.Context) (string, error)

	mu  sync.Mutex
	loc *time.Location
}

// New returns a Zone that asks fetch for the IANA name of the zone.
func New(fetch func(ctx context.Context) (string, error)) *Zone {
	return &Zone{fetch: fetch}
}

// Location returns the caller's zone, asking for it the first time.
func (c *Zone) Location(ctx context.Context) (*time.Location, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loc != nil {
		return c.loc, nil
	}
	name, err := c.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("the caller's time zone: %w", err)
	}
	if name == "" {
		return nil, fmt.Errorf("the caller's time zone: the vendor named none")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("the caller's time zone: %w", err)
	}
	c.loc = loc
	return loc, nil
}
