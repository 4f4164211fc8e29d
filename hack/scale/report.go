package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// defaultInterval is spec.interval's default (controllers.defaultSyncInterval).
const defaultInterval = 10 * time.Minute

func (r result) print(out io.Writer) {
	fmt.Fprintf(out, "\n%s, %d mappings, %d agents\n", strings.ToUpper(r.psa), r.mappings, r.agents)
	fmt.Fprintf(out, "  %-52s %12s %12s\n", "endpoint", "first sync", "re-sync")
	rows := func(side string, first, resync map[string]int) {
		keys := map[string]bool{}
		for k := range first {
			keys[k] = true
		}
		for k := range resync {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			fmt.Fprintf(out, "  %-52s %12d %12d\n", side+" "+k, first[k], resync[k])
		}
	}
	rows("psa ", r.first.psa, r.resync.psa)
	rows("tool", r.first.tool, r.resync.tool)
	firstTotal := total(r.first.psa) + total(r.first.tool)
	resyncTotal := total(r.resync.psa) + total(r.resync.tool)
	fmt.Fprintf(out, "  %-52s %12d %12d\n", "total", firstTotal, resyncTotal)
	fmt.Fprintf(out, "  %-52s %12d %12d\n", "lower bound (listing pages + creates + look-ups)", r.firstBound, r.resyncList)
	fmt.Fprintf(out, "  %-52s %11.2fx %11.2fx\n", "ratio", ratio(firstTotal, r.firstBound), ratio(resyncTotal, r.resyncList))
	fmt.Fprintf(out, "  %-52s %12d %12d\n", "PSA writes", r.creates, writes(r.resync.psa))
	fmt.Fprintf(out, "  %-52s %12s %12s\n", "wall time", r.firstWall.Round(time.Millisecond), r.resyncWall.Round(time.Millisecond))
	fmt.Fprintf(out, "  %-52s %12s\n", "manager peak RSS (VmHWM)", mib(r.peakRSS))
	perHour := float64(total(r.resync.psa)) * float64(time.Hour) / float64(defaultInterval)
	fmt.Fprintf(out, "  PSA calls/hour at the default interval (%s): %.0f (busiest endpoint %.0f) against %s\n",
		defaultInterval, perHour, float64(r.maxEndpointPerSync)*float64(time.Hour)/float64(defaultInterval), r.limit)
	if r.budget != nil {
		fmt.Fprintf(out, "  status.rateBudget: syncs every %s (%s side, %d calls a period, %s)\n",
			r.budget.Interval, r.budget.Side, r.budget.CallsPerSync, r.budget.Limit)
	} else {
		fmt.Fprintf(out, "  status.rateBudget: none (the default interval fits)\n")
	}
}

func printSummary(out io.Writer, rs []result) {
	fmt.Fprintf(out, "\n%-5s %7s %9s %9s %7s %9s %9s %7s %7s %10s %10s %9s  %s\n", "PSA", "agents", "1st", "bound", "ratio",
		"re-sync", "listing", "ratio", "writes", "1st wall", "peak RSS", "calls/h", "interval")
	for _, r := range rs {
		ft, rt := total(r.first.psa)+total(r.first.tool), total(r.resync.psa)+total(r.resync.tool)
		interval := defaultInterval.String()
		if r.budget != nil {
			interval = string(r.budget.Interval) + " (stretched: " + r.limit.String() + ")"
		}
		fmt.Fprintf(out, "%-5s %7d %9d %9d %6.2fx %9d %9d %6.2fx %7d %10s %10s %9.0f  %s\n", r.psa, r.agents, ft, r.firstBound,
			ratio(ft, r.firstBound), rt, r.resyncList, ratio(rt, r.resyncList), writes(r.resync.psa),
			r.firstWall.Round(time.Second), mib(r.peakRSS),
			float64(total(r.resync.psa))*float64(time.Hour)/float64(defaultInterval), interval)
	}
}

func writes(m map[string]int) int {
	n := 0
	for k, v := range m {
		l := strings.ToLower(k)
		if strings.HasPrefix(l, "post ") || strings.HasPrefix(l, "put ") || strings.HasPrefix(l, "patch ") || strings.HasPrefix(l, "delete ") {
			if strings.Contains(l, "authenticate") || strings.Contains(l, "token") || strings.Contains(l, "refreshtoken") {
				continue
			}
			n += v
		}
	}
	return n
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
