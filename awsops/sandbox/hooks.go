package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// Hooks that change the account behind AWS's back, as a person at a console or an outage
// would: the training scenarios break a working chain with them.

// change runs fn on the account under the lock and saves it, without counting an API call:
// a scenario's breakage is made behind AWS's back, as a person at a console would.
func (s *Sandbox) change(fn func(st *state, now time.Time) error) error {
	return s.locked(true, func() error {
		if err := s.refresh(); err != nil {
			return err
		}
		if err := fn(s.st, s.opts.Now()); err != nil {
			return err
		}
		return s.save()
	})
}

// SetService sets what the service on an instance does: the port it listens on (0 keeps
// the seed's) and whether it is down. It is the demo account's way to stop a service or
// move it to another port, for training scenarios.
func (s *Sandbox) SetService(instanceID string, port int32, down bool) error {
	return s.change(func(st *state, _ time.Time) error {
		inst := st.instance(instanceID)
		if inst == nil {
			return fmt.Errorf("set the service of %s: no such instance in the demo account", instanceID)
		}
		inst.Service = &simService{Port: port, Down: down}
		return nil
	})
}

// StopInstance stops an instance, as `aws ec2 stop-instances` would: its targets become
// unused with Target.InvalidState.
func (s *Sandbox) StopInstance(instanceID string) error {
	return s.change(func(st *state, _ time.Time) error {
		inst := st.instance(instanceID)
		if inst == nil {
			return fmt.Errorf("stop %s: no such instance in the demo account", instanceID)
		}
		inst.State = "stopped"
		return nil
	})
}

// FailVPCLink ends a VPC link FAILED with statusMessage, as AWS ends one it cannot build.
func (s *Sandbox) FailVPCLink(id, statusMessage string) error {
	return s.change(func(st *state, now time.Time) error {
		l := st.VPCLinks[id]
		if l == nil {
			return fmt.Errorf("fail VPC link %s: no such VPC link in the demo account", id)
		}
		l.Failed = statusMessage
		if now.Before(l.Ready) {
			l.Ready = now
		}
		return nil
	})
}

// UnsetStageVariables removes stage variables from a stage, as deleting them in the console
// does.
func (s *Sandbox) UnsetStageVariables(apiID, stageName string, names ...string) error {
	return s.change(func(st *state, _ time.Time) error {
		stg, err := st.stage(apiID, stageName)
		if err != nil {
			return fmt.Errorf("unset the variables of stage %s: %w", stageName, err)
		}
		for _, n := range names {
			delete(stg.Variables, n)
		}
		return nil
	})
}

// RemoveTags removes the tags whose key starts with prefix from every load balancer, target
// group, listener and VPC link, as if they had been made by hand.
func (s *Sandbox) RemoveTags(prefix string) error {
	return s.change(func(st *state, _ time.Time) error {
		strip := func(tags map[string]string) {
			for k := range tags {
				if strings.HasPrefix(k, prefix) {
					delete(tags, k)
				}
			}
		}
		for _, x := range st.LoadBalancers {
			strip(x.Tags)
		}
		for _, x := range st.TargetGroups {
			strip(x.Tags)
		}
		for _, x := range st.Listeners {
			strip(x.Tags)
		}
		for _, x := range st.VPCLinks {
			strip(x.Tags)
		}
		return nil
	})
}

// ClearLoggingRole unsets API Gateway's CloudWatch Logs role in the account's region, as in a
// new AWS account: turning a stage's logging on then fails until the role is set.
func (s *Sandbox) ClearLoggingRole() error {
	return s.change(func(st *state, _ time.Time) error {
		st.Gateway = &gatewayAccount{}
		return nil
	})
}
