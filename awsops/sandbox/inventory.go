package sandbox

import (
	"encoding/json"
)

// Inventory counts what can be created in the account, for tests and trainers.
type Inventory struct {
	LoadBalancers int
	TargetGroups  int
	Listeners     int
	Targets       int
	VPCLinks      int
	RestAPIs      int
	APIKeys       int
	UsagePlans    int
	IngressRules  int
}

// Inventory counts the account's resources now; VPC links being deleted still count. The
// seed's hand-made chain (seedLegacyChain) is left out while it stands as seeded: the
// inventory is what runs, trainers and tests made.
func (s *Sandbox) Inventory() Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	inv := Inventory{APIKeys: len(st.APIKeys), UsagePlans: len(st.UsagePlans)}
	legacyLB := map[string]bool{}
	for arn, lb := range st.LoadBalancers {
		if lb.Name == LegacyLoadBalancer && len(lb.Tags) == 0 {
			legacyLB[arn] = true
			continue
		}
		inv.LoadBalancers++
	}
	for _, l := range st.Listeners {
		if !legacyLB[l.LB] {
			inv.Listeners++
		}
	}
	for _, a := range st.RestAPIs {
		if a.Name != LegacyRestAPI || len(a.Tags) > 0 {
			inv.RestAPIs++
		}
	}
	now := s.opts.Now()
	for id, l := range st.VPCLinks {
		if st.link(id, now) != nil && (l.Name != LegacyVPCLink || len(l.Tags) > 0) {
			inv.VPCLinks++
		}
	}
	for _, tg := range st.TargetGroups {
		if tg.Name == LegacyTargetGroup && len(tg.Tags) == 0 {
			continue
		}
		inv.TargetGroups++
		inv.Targets += len(tg.Targets)
	}
	for _, g := range st.SecurityGroups {
		for _, r := range g.Ingress {
			if r.Description != legacyRule {
				inv.IngressRules++
			}
		}
	}
	return inv
}

// Snapshot returns the whole account as JSON, to compare before and after.
func (s *Sandbox) Snapshot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for id := range s.st.VPCLinks {
		s.st.link(id, now)
	}
	b, _ := json.Marshal(s.st)
	return string(b)
}

// Calls returns how often each operation was called since the sandbox was opened.
func (s *Sandbox) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}
