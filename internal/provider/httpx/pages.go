package httpx

import (
	"crypto/sha256"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// DefaultMaxPages bounds one paged listing. It is far above any real tenant (a million records at
// 100 a page) yet stops a vendor that reports a huge total and never reaches it within minutes.
const DefaultMaxPages = 10000

// PageGuard stops a paging loop that would never end: one that passes its page cap, or one whose
// server answers the same page again (a vendor that ignores the page parameter while reporting a
// large total). Every vendor's listing loop calls Next once per page body it received, so the
// rule lives here and not in six copies.
type PageGuard struct {
	// Operation names the listing in the error, e.g. "ListOrganizations".
	Operation string
	// MaxPages is the cap; zero means DefaultMaxPages.
	MaxPages int

	pages int
	last  [sha256.Size]byte
}

// Next records one received page body and returns an error when the loop must stop: the page
// repeats the previous one byte for byte, or the cap is passed. The error names the vendor, the
// operation and the page number, so the condition message tells a person where to look.
func (g *PageGuard) Next(c *Client, body []byte) error {
	g.pages++
	sum := sha256.Sum256(body)
	if g.pages > 1 && sum == g.last {
		return c.Errorf(provider.KindTransient, g.Operation, 0,
			"%s %s: page %d repeats page %d; the server ignores paging, listing stopped",
			c.provider, g.Operation, g.pages, g.pages-1)
	}
	g.last = sum
	limit := g.MaxPages
	if limit <= 0 {
		limit = DefaultMaxPages
	}
	if g.pages > limit {
		return c.Errorf(provider.KindTransient, g.Operation, 0,
			"%s %s: page %d passes the cap of %d pages; listing stopped", c.provider, g.Operation, g.pages, limit)
	}
	return nil
}

// Pages is the number of pages seen so far.
func (g *PageGuard) Pages() int { return g.pages }
