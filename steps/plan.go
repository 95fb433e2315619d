// Package steps is the setup as ordered steps that each know how to undo themselves: the plan
// (the user's answers), the journal (what a run created, saved after every change) and the
// runner (progress events, rollback, resume). It knows nothing of terminals.
package steps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"

	"github.com/vpclink/vpclink/awsops"
)

// Plan is the user's answers: what to build. It is read from and written to YAML.
type Plan struct {
	Name           string             `yaml:"name" json:"name"`
	Region         string             `yaml:"region,omitempty" json:"region,omitempty"`
	VPC            string             `yaml:"vpc" json:"vpc"`
	Subnets        []string           `yaml:"subnets,flow" json:"subnets"`
	LoadBalancer   LoadBalancerPlan   `yaml:"loadBalancer" json:"loadBalancer"`
	Targets        TargetsPlan        `yaml:"targets" json:"targets"`
	SecurityGroups SecurityGroupsPlan `yaml:"securityGroups" json:"securityGroups"`
	VPCLink        VPCLinkPlan        `yaml:"vpcLink" json:"vpcLink"`
	API            APIPlan            `yaml:"api" json:"api"`
	Stage          StagePlan          `yaml:"stage" json:"stage"`
	Tags           map[string]string  `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// LoadBalancerPlan creates an internal NLB, or names an existing one to reuse.
type LoadBalancerPlan struct {
	Existing    string          `yaml:"existing,omitempty" json:"existing,omitempty"`
	Port        int32           `yaml:"port,omitempty" json:"port,omitempty"`
	HealthCheck HealthCheckPlan `yaml:"healthCheck,omitempty" json:"healthCheck"`
}

// HealthCheckPlan is the target group's HTTP health check.
type HealthCheckPlan struct {
	Path               string `yaml:"path,omitempty" json:"path,omitempty"`
	Port               int32  `yaml:"port,omitempty" json:"port,omitempty"`
	Interval           int32  `yaml:"interval,omitempty" json:"interval,omitempty"`
	HealthyThreshold   int32  `yaml:"healthyThreshold,omitempty" json:"healthyThreshold,omitempty"`
	UnhealthyThreshold int32  `yaml:"unhealthyThreshold,omitempty" json:"unhealthyThreshold,omitempty"`
	// Timeout is how long one check may take, in seconds; empty leaves AWS's default (10).
	Timeout int32 `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Matcher is the HTTP codes that pass, e.g. "200-399" (AWS's default) or "200,204".
	Matcher string `yaml:"matcher,omitempty" json:"matcher,omitempty"`
}

// TargetsPlan is the instances behind the NLB and the port they serve on.
type TargetsPlan struct {
	Instances []string `yaml:"instances,flow" json:"instances"`
	Port      int32    `yaml:"port,omitempty" json:"port,omitempty"`
}

// Security group modes: how the instances admit the NLB.
const (
	ModeNLBIPs  = "nlb-ips"
	ModeVPCCIDR = "vpc-cidr"
)

// SecurityGroupsPlan says how the instances' security groups admit the NLB.
type SecurityGroupsPlan struct {
	Mode string `yaml:"mode" json:"mode"`
}

// VPCLinkPlan creates a VPC link, or names an existing one to reuse.
type VPCLinkPlan struct {
	Existing string `yaml:"existing,omitempty" json:"existing,omitempty"`
}

// Authorization values of an API plan.
const (
	AuthNone   = "NONE"
	AuthIAM    = "AWS_IAM"
	AuthAPIKey = "API_KEY"
)

// APIPlan creates a REST API, or names an existing one to add the proxy to.
type APIPlan struct {
	Existing      string   `yaml:"existing,omitempty" json:"existing,omitempty"`
	Name          string   `yaml:"name,omitempty" json:"name,omitempty"`
	EndpointType  string   `yaml:"endpointType,omitempty" json:"endpointType,omitempty"`
	Methods       []string `yaml:"methods,flow" json:"methods"`
	Authorization string   `yaml:"authorization" json:"authorization"`
}

// StagePlan is the stage deployed, with its logging and throttling.
type StagePlan struct {
	Name       string         `yaml:"name" json:"name"`
	Logging    string         `yaml:"logging,omitempty" json:"logging,omitempty"`
	Throttling ThrottlingPlan `yaml:"throttling,omitempty" json:"throttling"`
}

// ThrottlingPlan is a stage's steady rate (requests per second) and burst.
type ThrottlingPlan struct {
	Rate  float64 `yaml:"rate,omitempty" json:"rate,omitempty"`
	Burst int32   `yaml:"burst,omitempty" json:"burst,omitempty"`
}

// Accepted values, for validation and for the wizard's choices.
var (
	Methods        = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}
	Authorizations = []string{AuthNone, AuthIAM, AuthAPIKey}
	EndpointTypes  = []string{"REGIONAL", "EDGE", "PRIVATE"}
	LoggingLevels  = []string{"OFF", "ERROR", "INFO"}
	Modes          = []string{ModeNLBIPs, ModeVPCCIDR}
)

// MaxNameLength keeps every derived AWS name within AWS's 32-character limit for load
// balancers and target groups ("<name>-<6 hex>-nlb").
const MaxNameLength = 20

var (
	nameRe     = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$`)
	stageRe    = regexp.MustCompile(`^[a-zA-Z0-9_]+$`) // and at most 128: see Validate
	healthPath = regexp.MustCompile(`^/[\x21-\x7e]*$`)
)

// tagText reports whether s is min to max characters of AWS's tag alphabet: Unicode letters,
// digits and spaces, and _ . : / = + - @. A loop, not a regexp: a counted repetition of
// Unicode classes such as `{0,256}` compiles to hundreds of copies of them, which cost 50 ms
// and 15 MB at every start of vpclink.
func tagText(s string, minLen, maxLen int) bool {
	n := 0
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.Z, unicode.N) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
		n++
	}
	return n >= minLen && n <= maxLen
}

// FieldError is a problem with one field of a plan.
type FieldError struct {
	Field   string
	Message string
}

// Error names the field.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// PlanError lists every problem found in a plan.
type PlanError struct {
	Source string
	Errors []*FieldError
}

// Error lists the problems, one a line.
func (e *PlanError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s has %d problem(s):", e.Source, len(e.Errors))
	for _, f := range e.Errors {
		b.WriteString("\n  - " + f.Error())
	}
	return b.String()
}

// RecommendActions says how to fix a plan.
func (e *PlanError) RecommendActions() string {
	return "correct the fields named above (examples/demo.yaml shows every field), then run the command again"
}

// MaxPlanSize is the largest plan vpclink reads, 1 MiB: a real plan is well under 4 KiB, and
// a limit keeps a wrong or hostile file from costing memory and time.
const MaxPlanSize = 1 << 20

// MaxTags is how many tags a plan may give: AWS allows 50 per resource, and vpclink adds
// its own vpclink:run tag to each.
const MaxTags = 49

// LoadPlan reads a plan from a YAML file; "-" reads standard input. It reads at most
// MaxPlanSize bytes.
func LoadPlan(path string) (*Plan, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open plan: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxPlanSize+1))
	if err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	return ParsePlan(path, b)
}

// ParsePlan decodes YAML into a plan, then fills defaults and validates it. It refuses, before
// decoding, what no plan has: more than MaxPlanSize bytes, a second document, unknown or
// repeated keys, values of the wrong type (naming the field), aliases, and more tags than
// AWS takes; so a hostile file costs time in proportion to its size, never more.
func ParsePlan(source string, b []byte) (*Plan, error) {
	one := func(field, format string, args ...any) error {
		return &PlanError{Source: source, Errors: []*FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
	}
	if len(b) > MaxPlanSize {
		return nil, one("(file)", "larger than %d KiB, which no plan is (examples/demo.yaml is under 1 KiB): is it the right file?", MaxPlanSize>>10)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, one("name", "the plan is empty; start from examples/demo.yaml")
		}
		return nil, one("(yaml)", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, one("(yaml)", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	default:
		return nil, one("(yaml)", "a plan is one YAML document, and a second one starts at line %d: remove it, or put it in a plan file of its own", second.Line)
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	shape := &shapeCheck{}
	shape.check(root, reflect.TypeFor[Plan](), "")
	if len(shape.errs) > 0 {
		return nil, &PlanError{Source: source, Errors: shape.errs}
	}
	p := &Plan{}
	if err := root.Decode(p); err != nil {
		return nil, one("(yaml)", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p.Defaults()
	if errs := p.Validate(); len(errs) > 0 {
		return nil, &PlanError{Source: source, Errors: errs}
	}
	return p, nil
}

// Marshal writes the plan as YAML.
func (p *Plan) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return b.Bytes(), nil
}

// Defaults fills what the user left out with what a careful admin would choose.
func (p *Plan) Defaults() {
	lb := &p.LoadBalancer
	if lb.Existing == "" {
		lb.Port = cmpOr(lb.Port, 80)
		hc := &lb.HealthCheck
		hc.Path = cmpOr(hc.Path, "/")
		hc.Interval = cmpOr(hc.Interval, 30)
		hc.HealthyThreshold = cmpOr(hc.HealthyThreshold, 3)
		hc.UnhealthyThreshold = cmpOr(hc.UnhealthyThreshold, 3)
		p.Targets.Port = cmpOr(p.Targets.Port, lb.Port)
		p.SecurityGroups.Mode = cmpOr(p.SecurityGroups.Mode, ModeNLBIPs)
	}
	if len(p.API.Methods) == 0 && p.API.Existing == "" {
		p.API.Methods = []string{"GET", "POST", "PATCH", "DELETE"}
	}
	for i, m := range p.API.Methods {
		p.API.Methods[i] = strings.ToUpper(m)
	}
	p.API.Authorization = strings.ToUpper(cmpOr(p.API.Authorization, AuthNone))
	if p.API.Authorization == "IAM" {
		p.API.Authorization = AuthIAM
	}
	p.API.EndpointType = strings.ToUpper(cmpOr(p.API.EndpointType, "REGIONAL"))
	p.Stage.Name = cmpOr(p.Stage.Name, "dev")
	p.Stage.Logging = strings.ToUpper(cmpOr(p.Stage.Logging, "OFF"))
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func oneOf(values []string) string { return strings.Join(values, ", ") }

// Validate checks every field, returning one error per problem, each naming its field and
// the values it accepts.
func (p *Plan) Validate() []*FieldError {
	var errs []*FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case p.Name == "":
		add("name", "required: a base name for everything created, e.g. orders")
	case len(p.Name) > MaxNameLength || !nameRe.MatchString(p.Name):
		add("name", "%q must be 1 to %d lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen", p.Name, MaxNameLength)
	}
	if p.VPC == "" {
		add("vpc", "required: a VPC id (vpc-...) or its Name tag")
	}
	lb := p.LoadBalancer
	if lb.Existing == "" {
		if len(p.Subnets) == 0 {
			add("subnets", "required: the private subnets the new load balancer goes in, ids (subnet-...) or Name tags, one per Availability Zone")
		}
		checkPort(add, "loadBalancer.port", lb.Port)
		checkPort(add, "targets.port", p.Targets.Port)
		errs = append(errs, validateHealthCheck(lb.HealthCheck)...)
		if len(p.Targets.Instances) == 0 {
			add("targets.instances", "required: the instances behind the load balancer, ids (i-...) or Name tags")
		}
		if !slices.Contains(Modes, p.SecurityGroups.Mode) {
			add("securityGroups.mode", "%q is not one of: %s", p.SecurityGroups.Mode, oneOf(Modes))
		}
	} else {
		// Instances named with an existing load balancer are registered in the target group
		// its listener forwards to (those not in it yet), and their groups opened to it.
		if p.Targets.Port != 0 {
			checkPort(add, "targets.port", p.Targets.Port)
		}
		switch {
		case p.SecurityGroups.Mode != "" && !slices.Contains(Modes, p.SecurityGroups.Mode):
			add("securityGroups.mode", "%q is not one of: %s, or empty to leave the security groups as they are", p.SecurityGroups.Mode, oneOf(Modes))
		case p.SecurityGroups.Mode != "" && len(p.Targets.Instances) == 0:
			add("targets.instances", "required when securityGroups.mode is set: the instances behind the load balancer, ids (i-...) or Name tags, which vpclink registers if they are not yet and whose security groups it opens to the load balancer")
		}
		if len(p.Subnets) > 0 {
			add("subnets", "leave empty when loadBalancer.existing is set: the existing load balancer keeps its subnets")
		}
	}
	if p.VPCLink.Existing != "" && lb.Existing == "" {
		add("vpcLink.existing", "a VPC link targets one load balancer for good: set loadBalancer.existing to the load balancer of VPC link %s too", p.VPCLink.Existing)
	}
	if p.API.Existing == "" && len(p.API.Methods) == 0 {
		add("api.methods", "required: one or more of %s", oneOf(Methods))
	}
	seen := map[string]bool{}
	for _, m := range p.API.Methods {
		if !slices.Contains(Methods, m) {
			add("api.methods", "%q is not one of: %s", m, oneOf(Methods))
		}
		if seen[m] {
			add("api.methods", "%s is listed twice", m)
		}
		seen[m] = true
	}
	if seen["ANY"] && len(p.API.Methods) > 1 {
		add("api.methods", "ANY already covers every method: list ANY alone, or the methods without ANY")
	}
	if !slices.Contains(Authorizations, p.API.Authorization) {
		add("api.authorization", "%q is not one of: %s", p.API.Authorization, oneOf(Authorizations))
	}
	if !slices.Contains(EndpointTypes, p.API.EndpointType) {
		add("api.endpointType", "%q is not one of: %s", p.API.EndpointType, oneOf(EndpointTypes))
	}
	if p.API.EndpointType == "PRIVATE" {
		add("api.endpointType", "PRIVATE needs a VPC endpoint and a resource policy, which vpclink does not create: use REGIONAL or EDGE")
	}
	if len(p.Stage.Name) > 128 || !stageRe.MatchString(p.Stage.Name) {
		add("stage.name", "%q must be 1 to 128 letters, digits or underscores, e.g. dev", p.Stage.Name)
	}
	if !slices.Contains(LoggingLevels, p.Stage.Logging) {
		add("stage.logging", "%q is not one of: %s", p.Stage.Logging, oneOf(LoggingLevels))
	}
	th := p.Stage.Throttling
	if th.Rate < 0 || th.Rate > 10000 {
		add("stage.throttling.rate", "%g must be from 0 (no stage limit) to 10000 requests per second", th.Rate)
	}
	if th.Burst < 0 || th.Burst > 5000 {
		add("stage.throttling.burst", "%d must be from 0 (no stage limit) to 5000 requests", th.Burst)
	}
	if (th.Rate > 0) != (th.Burst > 0) {
		add("stage.throttling", "set both rate and burst, or neither")
	}
	if p.Region != "" {
		if err := awsops.CheckRegion(p.Region); err != nil {
			add("region", "%v", err)
		}
	}
	if len(p.Tags) > MaxTags {
		add("tags", "%d tags: at most %d, as AWS allows 50 per resource and vpclink adds vpclink:run", len(p.Tags), MaxTags)
	}
	for k, v := range p.Tags {
		switch {
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			add("tags."+k, "keys starting with aws: are reserved by AWS")
		case strings.HasPrefix(k, "vpclink:"):
			add("tags."+k, "keys starting with vpclink: are set by vpclink itself")
		case !tagText(k, 1, 128):
			add("tags."+k, "a key must be 1 to 128 letters, digits, spaces or _ . : / = + - @")
		case !tagText(v, 0, 256):
			add("tags."+k, "%q: a value must be up to 256 letters, digits, spaces or _ . : / = + - @", v)
		}
	}
	slices.SortStableFunc(errs, func(a, b *FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// Health-check limits AWS sets for a TCP target group (a network load balancer's) with an
// HTTP health check; CreateTargetGroup rejects anything outside them.
const (
	minHealthInterval, maxHealthInterval   = 5, 300
	minHealthTimeout, maxHealthTimeout     = 2, 120
	minHealthThreshold, maxHealthThreshold = 2, 10
	maxHealthPath                          = 1024
	minHealthCode, maxHealthCode           = 200, 599
)

// validateHealthCheck checks a new target group's health check against AWS's rules for a
// network load balancer, so that the plan, not CreateTargetGroup halfway through a build,
// says what is wrong.
func validateHealthCheck(hc HealthCheckPlan) []*FieldError {
	var errs []*FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: "loadBalancer.healthCheck." + field, Message: fmt.Sprintf(format, args...)})
	}
	if hc.Port != 0 && (hc.Port < 1 || hc.Port > 65535) {
		add("port", "%d must be a port from 1 to 65535", hc.Port)
	}
	switch {
	case !healthPath.MatchString(hc.Path):
		add("path", "%q must start with / and have no spaces, e.g. /health", hc.Path)
	case len(hc.Path) > maxHealthPath:
		add("path", "is %d characters long; AWS takes at most %d", len(hc.Path), maxHealthPath)
	}
	intervalOK := hc.Interval >= minHealthInterval && hc.Interval <= maxHealthInterval
	if !intervalOK {
		add("interval", "%d must be from %d to %d (seconds)", hc.Interval, minHealthInterval, maxHealthInterval)
	}
	switch t := hc.Timeout; {
	case t != 0 && (t < minHealthTimeout || t > maxHealthTimeout):
		add("timeout", "%d must be from %d to %d (seconds), or left out for AWS's default of %d", t, minHealthTimeout, maxHealthTimeout, awsops.DefaultHealthCheckTimeout)
	case t != 0 && intervalOK && t > hc.Interval:
		add("timeout", "%d s is longer than the interval (%d s): AWS needs the timeout to be at most the interval; lower the timeout or raise the interval", t, hc.Interval)
	case t == 0 && intervalOK && hc.Interval < awsops.DefaultHealthCheckTimeout:
		add("interval", "%d s is shorter than AWS's default timeout for a network load balancer's target group (%d s), which AWS rejects: set loadBalancer.healthCheck.timeout from %d to %d, or an interval of %d or more", hc.Interval, awsops.DefaultHealthCheckTimeout, minHealthTimeout, hc.Interval, awsops.DefaultHealthCheckTimeout)
	}
	for _, t := range []struct {
		field string
		v     int32
	}{{"healthyThreshold", hc.HealthyThreshold}, {"unhealthyThreshold", hc.UnhealthyThreshold}} {
		if t.v < minHealthThreshold || t.v > maxHealthThreshold {
			add(t.field, "%d must be from %d to %d", t.v, minHealthThreshold, maxHealthThreshold)
		}
	}
	if hc.Matcher != "" {
		if err := checkMatcher(hc.Matcher); err != "" {
			add("matcher", "%q %s", hc.Matcher, err)
		}
	}
	return errs
}

// checkMatcher checks HTTP success codes written as AWS takes them: codes and ranges
// separated by commas, e.g. "200,204" or "200-299", each from 200 to 599.
func checkMatcher(m string) string {
	const form = `must list HTTP codes or ranges separated by commas, e.g. "200-399" or "200,204"`
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		switch {
		case errA != nil || errB != nil || lo == "" || hi == "":
			return form
		case a < minHealthCode || b > maxHealthCode:
			return fmt.Sprintf("has codes outside %d-%d, the range a network load balancer accepts", minHealthCode, maxHealthCode)
		case a > b:
			return fmt.Sprintf("has a range %s that ends before it starts", part)
		}
	}
	return ""
}

func checkPort(add func(string, string, ...any), field string, v int32) {
	if v < 1 || v > 65535 {
		add(field, "%d must be a port from 1 to 65535", v)
	}
}

// maxShapeErrors is how many problems ParsePlan reports before it stops looking.
const maxShapeErrors = 20

// maxListLength bounds every list of a plan (subnets, instances, methods): far above what
// AWS takes in one load balancer or target group, far below what costs time to check.
const maxListLength = 1000

// zeroMeansDefault names the numbers that a plan leaves out to get a default: written as 0
// they are an error, not the default, so that `port: 0` never becomes port 80.
var zeroMeansDefault = map[string]string{
	"loadBalancer.port":                           "a port from 1 to 65535, or leave it out for 80",
	"targets.port":                                "a port from 1 to 65535, or leave it out for the load balancer's port",
	"loadBalancer.healthCheck.port":               "a port from 1 to 65535, or leave it out for the traffic port",
	"loadBalancer.healthCheck.interval":           "seconds from 5 to 300, or leave it out for 30",
	"loadBalancer.healthCheck.healthyThreshold":   "a count from 2 to 10, or leave it out for 3",
	"loadBalancer.healthCheck.unhealthyThreshold": "a count from 2 to 10, or leave it out for 3",
}

// shapeCheck walks a plan's YAML beside the Plan type before anything is decoded, so that a
// value of the wrong type is named by its field (loadBalancer.port: "eighty" is not a
// number), and unknown keys, repeated keys and oversized mappings are refused in one pass.
type shapeCheck struct {
	errs []*FieldError
}

func (c *shapeCheck) add(field, format string, args ...any) {
	if len(c.errs) < maxShapeErrors {
		c.errs = append(c.errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// yamlFields maps a struct's YAML keys to its fields' types, in order.
func yamlFields(t reflect.Type) ([]string, map[string]reflect.Type) {
	var names []string
	types := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
		types[name] = f.Type
	}
	return names, types
}

func (c *shapeCheck) check(n *yaml.Node, t reflect.Type, path string) {
	if len(c.errs) >= maxShapeErrors {
		return
	}
	field := cmpOr(path, "(plan)")
	if n.Kind == yaml.AliasNode {
		c.add(field, "YAML aliases (*%s) are not read in a plan: write the value out", n.Value)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // left empty: the default
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(field, "%s is not a mapping: write its fields as key: value lines", describe(n))
			return
		}
		names, types := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				c.add(field, "line %d: keys here are plain names (%s)", k.Line, strings.Join(names, ", "))
				continue
			}
			ft, ok := types[k.Value]
			if !ok {
				c.add(joinField(path, k.Value), "unknown field (line %d); %s takes: %s", k.Line, cmpOr(path, "a plan"), strings.Join(names, ", "))
				continue
			}
			if line, dup := seen[k.Value]; dup {
				c.add(joinField(path, k.Value), "set twice, on lines %d and %d", line, k.Line)
				continue
			}
			seen[k.Value] = k.Line
			c.check(v, ft, joinField(path, k.Value))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(field, "%s is not a mapping: write key: value lines", describe(n))
			return
		}
		if len(n.Content)/2 > MaxTags {
			c.add(field, "%d entries: at most %d, as AWS allows 50 tags per resource and vpclink adds vpclink:run", len(n.Content)/2, MaxTags)
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				c.add(field, "line %d: a key here is text", k.Line)
				continue
			}
			if line, dup := seen[k.Value]; dup {
				c.add(joinField(path, k.Value), "set twice, on lines %d and %d", line, k.Line)
				continue
			}
			seen[k.Value] = k.Line
			c.check(v, t.Elem(), joinField(path, k.Value))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(field, "%s is not a list: write [a, b] or one - item a line", describe(n))
			return
		}
		if len(n.Content) > maxListLength {
			c.add(field, "%d entries: a plan lists at most %d", len(n.Content), maxListLength)
			return
		}
		for i, e := range n.Content {
			c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.add(field, "%s is not text", describe(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.checkInt(n, t, path)
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
			c.add(field, "%s is not a number", describe(n))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			c.add(field, "%s is not true or false", describe(n))
		}
	}
}

func (c *shapeCheck) checkInt(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		c.add(path, "%s is not a number", describe(n))
		return
	}
	if n.ShortTag() == "!!float" {
		c.add(path, "%s is not a whole number", n.Value)
		return
	}
	var v int64
	if err := n.Decode(&v); err != nil || reflect.Zero(t).OverflowInt(v) {
		c.add(path, "%s is out of range", n.Value)
		return
	}
	if want, ok := zeroMeansDefault[path]; ok && v == 0 {
		c.add(path, "0 is not allowed: write %s", want)
	}
}
