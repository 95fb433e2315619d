package steps

import "time"

// RunStatus is one run as `vpclink status RUN --output json` prints it: a documented shape
// that stays put when the journal's storage format changes.
type RunStatus struct {
	// RunID names the run, e.g. "orders-k3x9q2".
	RunID string `json:"runId"`
	// State is the run's state: running, complete, failed, interrupted, rolled-back,
	// rollback-failed, destroying or destroyed.
	State string `json:"state"`
	// Account is the AWS account the run was made in.
	Account string `json:"account,omitempty"`
	// Region is the AWS region of the run.
	Region string `json:"region"`
	// StartedAt is when the run began; UpdatedAt when its journal last changed.
	StartedAt time.Time `json:"startedAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// InvokeURL is the stage's URL, once the run deployed it.
	InvokeURL string `json:"invokeUrl,omitempty"`
	// Steps are the run's steps in order.
	Steps []StepState `json:"steps"`
	// Resources are the AWS resources the run made, reused or relies on.
	Resources []ResourceStatus `json:"resources"`
	// Next is the command that comes next (resume or destroy), "" when none.
	Next string `json:"next,omitempty"`
}

// StepState is one step of a RunStatus.
type StepState struct {
	// ID is the step's id, e.g. "create-nlb".
	ID string `json:"id"`
	// Title is the step's name as the wizard shows it.
	Title string `json:"title"`
	// Status is pending, running, done, failed, undone or skipped.
	Status string `json:"status"`
	// Detail is the step's last finished action.
	Detail string `json:"detail,omitempty"`
	// Error is why the step (or its undo) failed.
	Error string `json:"error,omitempty"`
}

// Origin says how a run came to hold a resource.
type Origin string

// The origins of a run's resources.
const (
	// OriginCreated: the run made it, and destroy deletes it.
	OriginCreated Origin = "created"
	// OriginAdopted: the run found it in place and relies on it (an ingress rule that admitted the
	// NLB already, a stage the reused REST API had); destroy leaves it, or puts it back.
	OriginAdopted Origin = "adopted"
	// OriginReused: the plan named it; destroy leaves it.
	OriginReused Origin = "reused"
)

// ResourceStatus is one resource of a RunStatus.
type ResourceStatus struct {
	// Kind is target-group, load-balancer, listener, ingress-rule, vpc-link, rest-api,
	// resource, deployment, stage, api-key or usage-plan.
	Kind string `json:"kind"`
	// ID is the resource's id or ARN (an ingress rule: "GROUP tcp/PORT from CIDR").
	ID string `json:"id"`
	// Origin is created, adopted or reused.
	Origin Origin `json:"origin"`
}

// StatusOf describes the run of j in the RunStatus shape; next is the command to suggest.
func StatusOf(j *Journal, next string) RunStatus {
	s := RunStatus{RunID: j.RunID, State: string(j.State), Account: j.Account, Region: j.Region, StartedAt: j.StartedAt,
		UpdatedAt: j.UpdatedAt, InvokeURL: j.InvokeURL(), Steps: []StepState{}, Resources: []ResourceStatus{}, Next: next}
	for _, st := range j.Steps {
		s.Steps = append(s.Steps, StepState{ID: st.ID, Title: st.Title, Status: st.Status.String(), Detail: st.Detail, Error: st.Error})
	}
	r := j.Resources
	add := func(kind, id string, o Origin) {
		if id != "" {
			s.Resources = append(s.Resources, ResourceStatus{Kind: kind, ID: id, Origin: o})
		}
	}
	origin := func(reused bool) Origin {
		if reused {
			return OriginReused
		}
		return OriginCreated
	}
	add("target-group", r.TargetGroupARN, OriginCreated)
	add("load-balancer", r.LoadBalancerARN, origin(r.LoadBalancerReused))
	add("listener", r.ListenerARN, origin(r.LoadBalancerReused))
	for _, ru := range r.Ingress {
		add("ingress-rule", ruleText(ru), OriginCreated)
	}
	for _, ru := range r.IngressShared {
		add("ingress-rule", ruleText(ru), OriginAdopted)
	}
	add("vpc-link", r.VPCLinkID, origin(r.VPCLinkReused))
	add("rest-api", r.RestAPIID, origin(r.RestAPIReused))
	add("resource", r.ProxyResourceID, OriginCreated)
	add("deployment", r.DeploymentID, OriginCreated)
	stage := OriginCreated
	if r.StageExisted {
		stage = OriginAdopted
	}
	add("stage", r.Stage, stage)
	add("api-key", r.APIKeyID, OriginCreated)
	add("usage-plan", r.UsagePlanID, OriginCreated)
	return s
}
