package sandbox

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// knownOps are the operations the sandbox answers; faults can be injected into each.
var knownOps = map[string]bool{
	"DescribeVpcs": true, "DescribeSubnets": true, "DescribeRouteTables": true, "DescribeInstances": true,
	"DescribeSecurityGroups": true, "DescribeNetworkInterfaces": true, "AuthorizeSecurityGroupIngress": true,
	"RevokeSecurityGroupIngress": true, "DescribeLoadBalancers": true, "DescribeTags": true,
	"CreateLoadBalancer": true, "DeleteLoadBalancer": true, "DescribeTargetGroups": true,
	"CreateTargetGroup": true, "DeleteTargetGroup": true, "CreateListener": true, "DescribeListeners": true,
	"DeleteListener": true, "RegisterTargets": true, "DeregisterTargets": true, "DescribeTargetHealth": true,
	"GetRestApis": true, "GetRestApi": true, "CreateRestApi": true, "DeleteRestApi": true, "GetResources": true,
	"CreateResource": true, "DeleteResource": true, "DeleteStage": true, "PutMethod": true,
	"DeleteMethod": true, "PutIntegration": true, "CreateDeployment": true, "GetDeployments": true,
	"DeleteDeployment": true, "CreateStage": true, "GetStage": true, "UpdateStage": true, "CreateApiKey": true,
	"GetApiKeys": true, "DeleteApiKey": true, "CreateUsagePlan": true, "GetUsagePlan": true,
	"GetUsagePlans": true, "UpdateUsagePlan": true, "DeleteUsagePlan": true, "CreateUsagePlanKey": true,
	"TestInvokeMethod": true, "GetUsagePlanKeys": true, "CreateVpcLink": true, "GetVpcLink": true,
	"GetVpcLinks": true, "DeleteVpcLink": true, "GetCallerIdentity": true, "GetApiKey": true,
	"StopInstances": true, "GetAccount": true, "UpdateAccount": true, "DescribeNetworkAcls": true,
	"CreateNetworkAcl": true, "CreateNetworkAclEntry": true, "DeleteNetworkAclEntry": true,
	"ReplaceNetworkAclAssociation": true, opLinkAvailable: true,
}

// opLinkAvailable is not an API call but the moment a VPC link would become AVAILABLE: a
// fault injected there makes the n-th VPC link end FAILED, as AWS's sometimes do, so that a
// training can show what vpclink does then.
const opLinkAvailable = "VpcLinkAvailable"

// gatewayAPI is the sandbox's API Gateway for REST APIs, stages, keys and usage plans.
type gatewayAPI struct{ s *Sandbox }

// LinksAPI is the sandbox's API Gateway for VPC links.
type LinksAPI struct{ s *Sandbox }

// stsAPI is the sandbox's STS.
type stsAPI struct{ s *Sandbox }

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// gwID makes an API Gateway id: n lower-case letters and digits.
func (s *Sandbox) gwID(n int) string {
	h := s.random(2 * n)
	b := make([]byte, n)
	for i := range b {
		b[i] = lowerAlnum[(int(h[2*i])*16+int(h[2*i+1]))%len(lowerAlnum)]
	}
	return string(b)
}

// gwPage is API Gateway's paging of a list of n: limit items a page, 25 when not given and
// at most 500, from position; next is the position of the page after, nil after the last.
func gwPage(n int, limit *int32, position *string) (start, end int, next *string, err error) {
	size := 25
	if limit != nil {
		size = int(*limit)
		if size < 1 || size > 500 {
			return 0, 0, nil, badRequest("1 validation error detected: Value '" + strconv.Itoa(size) + "' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 500")
		}
	}
	if position != nil {
		start, err = strconv.Atoi(*position)
		if err != nil || start < 0 || start > n {
			return 0, 0, nil, badRequest("Invalid position parameter")
		}
	}
	end = min(start+size, n)
	if end < n {
		next = aws.String(strconv.Itoa(end))
	}
	return start, end, next, nil
}

func notFound(what string) error {
	return apiErr("NotFoundException", "Invalid "+what+" identifier specified")
}

func badRequest(msg string) error { return apiErr("BadRequestException", msg) }

func (st *state) api(id string) (*restAPI, error) {
	a := st.RestAPIs[id]
	if a == nil {
		return nil, notFound("API")
	}
	return a, nil
}

// link returns a VPC link, forgetting it once its deletion has finished.
func (st *state) link(id string, now time.Time) *vpcLink {
	l := st.VPCLinks[id]
	if l != nil && !l.Deleting.IsZero() && !now.Before(l.Deleting) {
		delete(st.VPCLinks, id)
		return nil
	}
	return l
}

func (l *vpcLink) status(now time.Time) (gwtypes.VpcLinkStatus, string) {
	switch {
	case !l.Deleting.IsZero():
		return gwtypes.VpcLinkStatusDeleting, "VPC link is being deleted"
	case now.Before(l.Ready):
		return gwtypes.VpcLinkStatusPending, "VPC link is provisioning ENIs"
	case l.Failed != "":
		return gwtypes.VpcLinkStatusFailed, l.Failed
	}
	return gwtypes.VpcLinkStatusAvailable, "Your vpc link is ready for use"
}

func (g *gatewayAPI) GetRestApis(_ context.Context, in *apigateway.GetRestApisInput, _ ...func(*apigateway.Options)) (*apigateway.GetRestApisOutput, error) {
	out := &apigateway.GetRestApisOutput{}
	err := g.s.do(svcGateway, "GetRestApis", false, func(st *state, _ time.Time) error {
		all := sortedValues(st.RestAPIs)
		start, end, next, err := gwPage(len(all), in.Limit, in.Position)
		if err != nil {
			return err
		}
		out.Position = next
		for _, a := range all[start:end] {
			out.Items = append(out.Items, gwtypes.RestApi{Id: aws.String(a.ID), Name: aws.String(a.Name), CreatedDate: aws.Time(a.Created), Tags: maps.Clone(a.Tags),
				EndpointConfiguration: &gwtypes.EndpointConfiguration{Types: []gwtypes.EndpointType{gwtypes.EndpointType(a.Endpoint)}}})
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) GetRestApi(_ context.Context, in *apigateway.GetRestApiInput, _ ...func(*apigateway.Options)) (*apigateway.GetRestApiOutput, error) {
	out := &apigateway.GetRestApiOutput{}
	err := g.s.do(svcGateway, "GetRestApi", false, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		out.Id, out.Name, out.CreatedDate, out.Tags = aws.String(a.ID), aws.String(a.Name), aws.Time(a.Created), maps.Clone(a.Tags)
		out.EndpointConfiguration = &gwtypes.EndpointConfiguration{Types: []gwtypes.EndpointType{gwtypes.EndpointType(a.Endpoint)}}
		out.RootResourceId = aws.String(a.root().ID)
		return nil
	})
	return out, err
}

func (st *state) stage(apiID, name string) (*stage, error) {
	a, err := st.api(apiID)
	if err != nil {
		return nil, err
	}
	s := a.Stages[name]
	if s == nil {
		return nil, notFound("stage")
	}
	return s, nil
}

func (a *restAPI) root() *resource {
	for _, r := range a.Resources {
		if r.Path == "/" {
			return r
		}
	}
	return nil
}

func (g *gatewayAPI) CreateRestApi(_ context.Context, in *apigateway.CreateRestApiInput, _ ...func(*apigateway.Options)) (*apigateway.CreateRestApiOutput, error) {
	out := &apigateway.CreateRestApiOutput{}
	err := g.s.do(svcGateway, "CreateRestApi", true, func(st *state, now time.Time) error {
		name := aws.ToString(in.Name)
		if strings.TrimSpace(name) == "" {
			return badRequest("Invalid REST API name specified")
		}
		endpoint := "EDGE"
		if in.EndpointConfiguration != nil && len(in.EndpointConfiguration.Types) == 1 {
			endpoint = string(in.EndpointConfiguration.Types[0])
		}
		if !slices.Contains([]string{"EDGE", "REGIONAL", "PRIVATE"}, endpoint) {
			return badRequest("Invalid endpoint type " + endpoint)
		}
		a := &restAPI{ID: g.s.gwID(10), Name: name, Endpoint: endpoint, Created: now, Tags: maps.Clone(in.Tags),
			Resources: map[string]*resource{}, Deployments: map[string]time.Time{}, Stages: map[string]*stage{}}
		root := &resource{ID: g.s.gwID(10), Path: "/", Methods: map[string]*method{}}
		a.Resources[root.ID] = root
		st.RestAPIs[a.ID] = a
		out.Id, out.Name, out.CreatedDate, out.Tags, out.RootResourceId = aws.String(a.ID), aws.String(name), aws.Time(now), maps.Clone(a.Tags), aws.String(root.ID)
		out.EndpointConfiguration = &gwtypes.EndpointConfiguration{Types: []gwtypes.EndpointType{gwtypes.EndpointType(endpoint)}}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteRestApi(_ context.Context, in *apigateway.DeleteRestApiInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteRestApiOutput, error) {
	err := g.s.do(svcGateway, "DeleteRestApi", true, func(st *state, _ time.Time) error {
		id := aws.ToString(in.RestApiId)
		if _, err := st.api(id); err != nil {
			return err
		}
		for _, p := range st.UsagePlans {
			for _, s := range p.Stages {
				if strings.HasPrefix(s, id+":") {
					return badRequest("Active stages pointing to this API are associated with usage plan " + p.ID + "; remove them from the usage plan first")
				}
			}
		}
		delete(st.RestAPIs, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteRestApiOutput{}, nil
}

func (g *gatewayAPI) GetResources(_ context.Context, in *apigateway.GetResourcesInput, _ ...func(*apigateway.Options)) (*apigateway.GetResourcesOutput, error) {
	out := &apigateway.GetResourcesOutput{}
	err := g.s.do(svcGateway, "GetResources", false, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		for _, r := range sortedValues(a.Resources) {
			item := gwtypes.Resource{Id: aws.String(r.ID), Path: aws.String(r.Path)}
			if r.Parent != "" {
				item.ParentId, item.PathPart = aws.String(r.Parent), aws.String(r.PathPart)
			}
			if slices.Contains(in.Embed, "methods") && len(r.Methods) > 0 {
				item.ResourceMethods = map[string]gwtypes.Method{}
				for verb, m := range r.Methods {
					gm := gwtypes.Method{HttpMethod: aws.String(verb), AuthorizationType: aws.String(m.Auth), ApiKeyRequired: aws.Bool(m.APIKey)}
					if i := m.Integration; i != nil {
						gm.MethodIntegration = &gwtypes.Integration{Type: gwtypes.IntegrationType(i.Type), HttpMethod: aws.String(i.HTTPMethod),
							ConnectionType: gwtypes.ConnectionType(i.ConnectionType), ConnectionId: aws.String(i.ConnectionID), Uri: aws.String(i.URI),
							RequestParameters: maps.Clone(i.Params)}
					}
					item.ResourceMethods[verb] = gm
				}
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	return out, err
}

var pathPart = regexp.MustCompile(`^([a-zA-Z0-9._-]+|\{[a-zA-Z0-9._-]+\+?\})$`)

func (g *gatewayAPI) CreateResource(_ context.Context, in *apigateway.CreateResourceInput, _ ...func(*apigateway.Options)) (*apigateway.CreateResourceOutput, error) {
	out := &apigateway.CreateResourceOutput{}
	err := g.s.do(svcGateway, "CreateResource", true, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		parent := a.Resources[aws.ToString(in.ParentId)]
		if parent == nil {
			return notFound("Resource")
		}
		part := aws.ToString(in.PathPart)
		if !pathPart.MatchString(part) {
			return badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
		}
		path := strings.TrimSuffix(parent.Path, "/") + "/" + part
		for _, r := range a.Resources {
			if r.Path == path {
				return apiErr("ConflictException", "Another resource with the same parent already has this name: "+part)
			}
		}
		r := &resource{ID: g.s.gwID(6), Parent: parent.ID, PathPart: part, Path: path, Methods: map[string]*method{}}
		a.Resources[r.ID] = r
		out.Id, out.ParentId, out.PathPart, out.Path = aws.String(r.ID), aws.String(parent.ID), aws.String(part), aws.String(path)
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteResource(_ context.Context, in *apigateway.DeleteResourceInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteResourceOutput, error) {
	err := g.s.do(svcGateway, "DeleteResource", true, func(st *state, _ time.Time) error {
		a, r, err := st.resource(aws.ToString(in.RestApiId), aws.ToString(in.ResourceId))
		if err != nil {
			return err
		}
		if r.Path == "/" {
			return badRequest("Cannot delete the root resource of an API")
		}
		for id, x := range a.Resources {
			if x.Path == r.Path || strings.HasPrefix(x.Path, r.Path+"/") {
				delete(a.Resources, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteResourceOutput{}, nil
}

func (g *gatewayAPI) DeleteStage(_ context.Context, in *apigateway.DeleteStageInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteStageOutput, error) {
	err := g.s.do(svcGateway, "DeleteStage", true, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		name := aws.ToString(in.StageName)
		if a.Stages[name] == nil {
			return notFound("stage")
		}
		for _, p := range st.UsagePlans {
			if slices.Contains(p.Stages, a.ID+":"+name) {
				return badRequest("Stage " + name + " is associated with usage plan " + p.ID + "; remove it from the usage plan first")
			}
		}
		delete(a.Stages, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteStageOutput{}, nil
}

// resource finds a resource of a REST API.
func (st *state) resource(apiID, id string) (*restAPI, *resource, error) {
	a, err := st.api(apiID)
	if err != nil {
		return nil, nil, err
	}
	r := a.Resources[id]
	if r == nil {
		return nil, nil, notFound("Resource")
	}
	return a, r, nil
}

var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

func (g *gatewayAPI) PutMethod(_ context.Context, in *apigateway.PutMethodInput, _ ...func(*apigateway.Options)) (*apigateway.PutMethodOutput, error) {
	out := &apigateway.PutMethodOutput{}
	err := g.s.do(svcGateway, "PutMethod", true, func(st *state, _ time.Time) error {
		_, r, err := st.resource(aws.ToString(in.RestApiId), aws.ToString(in.ResourceId))
		if err != nil {
			return err
		}
		verb := aws.ToString(in.HttpMethod)
		if !slices.Contains(httpMethods, verb) {
			return badRequest("Invalid HttpMethod specified. Valid options are " + strings.Join(httpMethods, ","))
		}
		auth := aws.ToString(in.AuthorizationType)
		if !slices.Contains([]string{"NONE", "AWS_IAM"}, auth) {
			return badRequest("Invalid authorization type specified. Authorization type needs an authorizer: " + auth)
		}
		if _, ok := r.Methods[verb]; ok {
			return apiErr("ConflictException", "Method already exists for this resource")
		}
		m := &method{Auth: auth, APIKey: in.ApiKeyRequired}
		for p := range in.RequestParameters {
			m.Params = append(m.Params, p)
		}
		slices.Sort(m.Params)
		r.Methods[verb] = m
		out.HttpMethod, out.AuthorizationType, out.ApiKeyRequired = aws.String(verb), aws.String(auth), aws.Bool(in.ApiKeyRequired)
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteMethod(_ context.Context, in *apigateway.DeleteMethodInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteMethodOutput, error) {
	err := g.s.do(svcGateway, "DeleteMethod", true, func(st *state, _ time.Time) error {
		_, r, err := st.resource(aws.ToString(in.RestApiId), aws.ToString(in.ResourceId))
		if err != nil {
			return err
		}
		verb := aws.ToString(in.HttpMethod)
		if r.Methods[verb] == nil {
			return notFound("Method")
		}
		delete(r.Methods, verb)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteMethodOutput{}, nil
}

func (g *gatewayAPI) PutIntegration(_ context.Context, in *apigateway.PutIntegrationInput, _ ...func(*apigateway.Options)) (*apigateway.PutIntegrationOutput, error) {
	out := &apigateway.PutIntegrationOutput{}
	err := g.s.do(svcGateway, "PutIntegration", true, func(st *state, _ time.Time) error {
		_, r, err := st.resource(aws.ToString(in.RestApiId), aws.ToString(in.ResourceId))
		if err != nil {
			return err
		}
		m := r.Methods[aws.ToString(in.HttpMethod)]
		if m == nil {
			return notFound("Method")
		}
		if in.ConnectionType == gwtypes.ConnectionTypeVpcLink && aws.ToString(in.ConnectionId) == "" {
			return badRequest("ConnectionId must be set for vpc link integrations")
		}
		if in.Type == gwtypes.IntegrationTypeHttpProxy && aws.ToString(in.IntegrationHttpMethod) == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
		for _, src := range in.RequestParameters {
			if strings.HasPrefix(src, "method.request.") && !slices.Contains(m.Params, src) {
				return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: " + src + "]")
			}
		}
		m.Integration = &integration{Type: string(in.Type), HTTPMethod: aws.ToString(in.IntegrationHttpMethod), ConnectionType: string(in.ConnectionType),
			ConnectionID: aws.ToString(in.ConnectionId), URI: aws.ToString(in.Uri), Params: maps.Clone(in.RequestParameters)}
		out.Type, out.Uri, out.ConnectionType, out.ConnectionId = in.Type, in.Uri, in.ConnectionType, in.ConnectionId
		return nil
	})
	return out, err
}

// TestInvokeMethod runs a request through a method as API Gateway's test invoke does: with
// the given stage variables, the method's current (undeployed) integration and no
// authorization; the integration's path is in integrate.
func (g *gatewayAPI) TestInvokeMethod(_ context.Context, in *apigateway.TestInvokeMethodInput, _ ...func(*apigateway.Options)) (*apigateway.TestInvokeMethodOutput, error) {
	out := &apigateway.TestInvokeMethodOutput{}
	err := g.s.do(svcGateway, "TestInvokeMethod", false, func(st *state, now time.Time) error {
		_, r, err := st.resource(aws.ToString(in.RestApiId), aws.ToString(in.ResourceId))
		if err != nil {
			return err
		}
		verb := aws.ToString(in.HttpMethod)
		m := r.Methods[verb]
		if m == nil {
			return notFound("Method")
		}
		path, query, _ := strings.Cut(aws.ToString(in.PathWithQueryString), "?")
		params, _, ok := matchPath(splitPath(r.Path), splitPath(path))
		if !ok {
			params = map[string]string{}
		}
		lg := &execLog{now: now}
		lg.add("Starting execution for request: test-invoke-request")
		lg.add("HTTP Method: %s, Resource Path: %s", verb, r.Path)
		resp := g.s.integrate(st, now, lg, in.StageVariables, verb, m, params, query)
		out.Status, out.Body, out.Log, out.Latency = int32(resp.Status), aws.String(resp.Body), aws.String(strings.Join(resp.Log, "\n")+"\n"), 12
		out.Headers = map[string]string{"Content-Type": "application/json"}
		return nil
	})
	return out, err
}

var stageVarValue = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]+$`)

func (g *gatewayAPI) CreateDeployment(_ context.Context, in *apigateway.CreateDeploymentInput, _ ...func(*apigateway.Options)) (*apigateway.CreateDeploymentOutput, error) {
	out := &apigateway.CreateDeploymentOutput{}
	err := g.s.do(svcGateway, "CreateDeployment", true, func(st *state, now time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		methods := 0
		for _, r := range a.Resources {
			for verb, m := range r.Methods {
				if m.Integration == nil {
					return badRequest(fmt.Sprintf("No integration defined for method %s %s", verb, r.Path))
				}
				methods++
			}
		}
		if methods == 0 {
			return badRequest("The REST API doesn't contain any methods")
		}
		for k, v := range in.Variables {
			if !stageVarValue.MatchString(v) {
				return badRequest(fmt.Sprintf("Stage variable value '%s' for '%s' contains characters that are not allowed", v, k))
			}
		}
		id := g.s.gwID(6)
		a.Deployments[id] = now
		if d := aws.ToString(in.Description); d != "" {
			if a.DeploymentDescriptions == nil {
				a.DeploymentDescriptions = map[string]string{}
			}
			a.DeploymentDescriptions[id] = d
		}
		if a.Snapshots == nil {
			a.Snapshots = map[string]map[string]*resource{}
		}
		a.Snapshots[id] = cloneResources(a.Resources)
		if name := aws.ToString(in.StageName); name != "" {
			s := a.Stages[name]
			if s == nil {
				s = &stage{Variables: map[string]string{}, Settings: map[string]string{}}
				a.Stages[name] = s
			}
			s.Deployment = id
			maps.Copy(s.Variables, in.Variables)
		}
		out.Id, out.CreatedDate, out.Description = aws.String(id), aws.Time(now), in.Description
		return nil
	})
	return out, err
}

// GetDeployments lists a REST API's deployments, oldest first, with their descriptions.
func (g *gatewayAPI) GetDeployments(_ context.Context, in *apigateway.GetDeploymentsInput, _ ...func(*apigateway.Options)) (*apigateway.GetDeploymentsOutput, error) {
	out := &apigateway.GetDeploymentsOutput{}
	err := g.s.do(svcGateway, "GetDeployments", false, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		ids := slices.Collect(maps.Keys(a.Deployments))
		slices.SortFunc(ids, func(x, y string) int {
			if c := a.Deployments[x].Compare(a.Deployments[y]); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		for _, id := range ids {
			d := gwtypes.Deployment{Id: aws.String(id), CreatedDate: aws.Time(a.Deployments[id])}
			if desc, ok := a.DeploymentDescriptions[id]; ok {
				d.Description = aws.String(desc)
			}
			out.Items = append(out.Items, d)
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteDeployment(_ context.Context, in *apigateway.DeleteDeploymentInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteDeploymentOutput, error) {
	err := g.s.do(svcGateway, "DeleteDeployment", true, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		id := aws.ToString(in.DeploymentId)
		if _, ok := a.Deployments[id]; !ok {
			return notFound("Deployment")
		}
		for name, s := range a.Stages {
			if s.Deployment == id {
				return badRequest("Active stages pointing to this deployment must be moved or deleted: " + name)
			}
		}
		delete(a.Deployments, id)
		delete(a.DeploymentDescriptions, id)
		delete(a.Snapshots, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteDeploymentOutput{}, nil
}

func (g *gatewayAPI) CreateStage(_ context.Context, in *apigateway.CreateStageInput, _ ...func(*apigateway.Options)) (*apigateway.CreateStageOutput, error) {
	out := &apigateway.CreateStageOutput{}
	err := g.s.do(svcGateway, "CreateStage", true, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		name, dep := aws.ToString(in.StageName), aws.ToString(in.DeploymentId)
		if len(name) > 128 || !stageName.MatchString(name) {
			return badRequest("Stage name only allows a-zA-Z0-9_")
		}
		if _, ok := a.Deployments[dep]; !ok {
			return badRequest("Invalid deployment identifier specified: " + dep)
		}
		if a.Stages[name] != nil {
			return apiErr("ConflictException", "Stage already exists")
		}
		for k, v := range in.Variables {
			if !stageVarValue.MatchString(v) {
				return badRequest(fmt.Sprintf("Stage variable value '%s' for '%s' contains characters that are not allowed", v, k))
			}
		}
		a.Stages[name] = &stage{Deployment: dep, Variables: maps.Clone(in.Variables), Settings: map[string]string{}, Tags: maps.Clone(in.Tags)}
		if a.Stages[name].Variables == nil {
			a.Stages[name].Variables = map[string]string{}
		}
		out.StageName, out.DeploymentId, out.Variables, out.Tags = in.StageName, in.DeploymentId, maps.Clone(in.Variables), maps.Clone(in.Tags)
		return nil
	})
	return out, err
}

// stageName is a stage name without its limit of 128 characters, checked apart: a counted
// repetition compiles to a copy of its class for each count, at every start of vpclink.
var stageName = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

func (g *gatewayAPI) GetStage(_ context.Context, in *apigateway.GetStageInput, _ ...func(*apigateway.Options)) (*apigateway.GetStageOutput, error) {
	out := &apigateway.GetStageOutput{}
	err := g.s.do(svcGateway, "GetStage", false, func(st *state, _ time.Time) error {
		s, err := st.stage(aws.ToString(in.RestApiId), aws.ToString(in.StageName))
		if err != nil {
			return err
		}
		out.StageName, out.DeploymentId, out.Variables, out.Tags = in.StageName, aws.String(s.Deployment), maps.Clone(s.Variables), maps.Clone(s.Tags)
		out.MethodSettings = s.methodSettings()
		return nil
	})
	return out, err
}

// GetStages lists an API's stages, as AWS does in one answer (GetStages is not paged).
func (g *gatewayAPI) GetStages(_ context.Context, in *apigateway.GetStagesInput, _ ...func(*apigateway.Options)) (*apigateway.GetStagesOutput, error) {
	out := &apigateway.GetStagesOutput{}
	err := g.s.do(svcGateway, "GetStages", false, func(st *state, _ time.Time) error {
		a, err := st.api(aws.ToString(in.RestApiId))
		if err != nil {
			return err
		}
		for _, name := range slices.Sorted(maps.Keys(a.Stages)) {
			s := a.Stages[name]
			out.Item = append(out.Item, gwtypes.Stage{StageName: aws.String(name), DeploymentId: aws.String(s.Deployment),
				Variables: maps.Clone(s.Variables), Tags: maps.Clone(s.Tags), MethodSettings: s.methodSettings()})
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) UpdateStage(_ context.Context, in *apigateway.UpdateStageInput, _ ...func(*apigateway.Options)) (*apigateway.UpdateStageOutput, error) {
	out := &apigateway.UpdateStageOutput{}
	err := g.s.do(svcGateway, "UpdateStage", true, func(st *state, _ time.Time) error {
		s, err := st.stage(aws.ToString(in.RestApiId), aws.ToString(in.StageName))
		if err != nil {
			return err
		}
		a := st.RestAPIs[aws.ToString(in.RestApiId)]
		for _, op := range in.PatchOperations {
			path, value := aws.ToString(op.Path), aws.ToString(op.Value)
			switch {
			case path == "/deploymentId":
				if _, ok := a.Deployments[value]; !ok {
					return badRequest("Invalid deployment identifier specified: " + value)
				}
				s.Deployment = value
				continue
			case strings.HasPrefix(path, "/variables/") && op.Op == gwtypes.OpRemove:
				delete(s.Variables, strings.TrimPrefix(path, "/variables/"))
				continue
			case path == "/*/*/logging/loglevel":
				if !slices.Contains([]string{"OFF", "ERROR", "INFO"}, value) {
					return badRequest("Invalid logging level " + value + "; valid values are OFF, ERROR, INFO")
				}
				if err := st.checkLogging(value); err != nil {
					return err
				}
			case path == "/*/*" && op.Op == gwtypes.OpRemove:
				if len(s.Settings) == 0 {
					return badRequest("Cannot remove method setting */* because there is no method setting for this method ")
				}
				clear(s.Settings)
				continue
			case path == "/*/*/throttling/rateLimit":
				if f, err := strconv.ParseFloat(value, 64); err != nil || f < 0 && f != -1 {
					return badRequest("Invalid throttling rate limit " + value + "; it must be a number")
				}
			case path == "/*/*/throttling/burstLimit":
				if n, err := strconv.Atoi(value); err != nil || n < 0 && n != -1 {
					return badRequest("Invalid throttling burst limit " + value + "; it must be an integer")
				}
			case path == "/*/*/metrics/enabled", path == "/*/*/logging/dataTrace":
				if value != "true" && value != "false" {
					return badRequest("Invalid boolean value " + value + " for " + path)
				}
			case strings.HasPrefix(path, "/variables/"):
				s.Variables[strings.TrimPrefix(path, "/variables/")] = value
				continue
			default:
				return badRequest("Invalid patch path " + path)
			}
			s.Settings[path] = value
		}
		out.StageName, out.DeploymentId, out.Variables = in.StageName, aws.String(s.Deployment), maps.Clone(s.Variables)
		out.MethodSettings = s.methodSettings()
		return nil
	})
	return out, err
}

// methodSettings is the stage's methodSettings as GetStage returns them: once any */*
// setting is patched, AWS lists the */* entry with every field, the unset ones at their
// defaults (logging OFF, no data trace or metrics, the account's throttling 10000/5000);
// before that, none.
func (s *stage) methodSettings() map[string]gwtypes.MethodSetting {
	if len(s.Settings) == 0 {
		return nil
	}
	ms := gwtypes.MethodSetting{LoggingLevel: aws.String("OFF"), ThrottlingRateLimit: 10000, ThrottlingBurstLimit: 5000,
		CacheTtlInSeconds: 300, RequireAuthorizationForCacheControl: true,
		UnauthorizedCacheControlHeaderStrategy: gwtypes.UnauthorizedCacheControlHeaderStrategySucceedWithResponseHeader}
	if v, ok := s.Settings["/*/*/logging/loglevel"]; ok {
		ms.LoggingLevel = aws.String(v)
	}
	if v, ok := s.Settings["/*/*/throttling/rateLimit"]; ok {
		ms.ThrottlingRateLimit, _ = strconv.ParseFloat(v, 64)
	}
	if v, ok := s.Settings["/*/*/throttling/burstLimit"]; ok {
		n, _ := strconv.Atoi(v)
		ms.ThrottlingBurstLimit = int32(n)
	}
	ms.MetricsEnabled = s.Settings["/*/*/metrics/enabled"] == "true"
	ms.DataTraceEnabled = s.Settings["/*/*/logging/dataTrace"] == "true"
	return map[string]gwtypes.MethodSetting{"*/*": ms}
}

func (g *gatewayAPI) CreateApiKey(_ context.Context, in *apigateway.CreateApiKeyInput, _ ...func(*apigateway.Options)) (*apigateway.CreateApiKeyOutput, error) {
	out := &apigateway.CreateApiKeyOutput{}
	err := g.s.do(svcGateway, "CreateApiKey", true, func(st *state, now time.Time) error {
		k := &apiKey{ID: g.s.gwID(10), Name: aws.ToString(in.Name), Value: g.s.random(40), Tags: maps.Clone(in.Tags)}
		st.APIKeys[k.ID] = k
		out.Id, out.Name, out.Value, out.Enabled, out.Tags, out.CreatedDate = aws.String(k.ID), in.Name, aws.String(k.Value), in.Enabled, maps.Clone(k.Tags), aws.Time(now)
		return nil
	})
	return out, err
}

func (g *gatewayAPI) GetApiKeys(_ context.Context, in *apigateway.GetApiKeysInput, _ ...func(*apigateway.Options)) (*apigateway.GetApiKeysOutput, error) {
	out := &apigateway.GetApiKeysOutput{}
	err := g.s.do(svcGateway, "GetApiKeys", false, func(st *state, _ time.Time) error {
		for _, k := range sortedValues(st.APIKeys) {
			if q := aws.ToString(in.NameQuery); q != "" && !strings.HasPrefix(k.Name, q) {
				continue
			}
			item := gwtypes.ApiKey{Id: aws.String(k.ID), Name: aws.String(k.Name), Enabled: true, Tags: maps.Clone(k.Tags)}
			if aws.ToBool(in.IncludeValues) {
				item.Value = aws.String(k.Value)
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteApiKey(_ context.Context, in *apigateway.DeleteApiKeyInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteApiKeyOutput, error) {
	err := g.s.do(svcGateway, "DeleteApiKey", true, func(st *state, _ time.Time) error {
		id := aws.ToString(in.ApiKey)
		if st.APIKeys[id] == nil {
			return notFound("API Key")
		}
		delete(st.APIKeys, id)
		for _, p := range st.UsagePlans {
			p.Keys = slices.DeleteFunc(p.Keys, func(k string) bool { return k == id })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteApiKeyOutput{}, nil
}

func (g *gatewayAPI) CreateUsagePlan(_ context.Context, in *apigateway.CreateUsagePlanInput, _ ...func(*apigateway.Options)) (*apigateway.CreateUsagePlanOutput, error) {
	out := &apigateway.CreateUsagePlanOutput{}
	err := g.s.do(svcGateway, "CreateUsagePlan", true, func(st *state, _ time.Time) error {
		p := &usagePlan{ID: g.s.gwID(6), Name: aws.ToString(in.Name), Tags: maps.Clone(in.Tags)}
		for _, s := range in.ApiStages {
			a := st.RestAPIs[aws.ToString(s.ApiId)]
			if a == nil || a.Stages[aws.ToString(s.Stage)] == nil {
				return badRequest(fmt.Sprintf("Invalid stage identifier specified: %s/%s", aws.ToString(s.ApiId), aws.ToString(s.Stage)))
			}
			p.Stages = append(p.Stages, aws.ToString(s.ApiId)+":"+aws.ToString(s.Stage))
		}
		st.UsagePlans[p.ID] = p
		out.Id, out.Name, out.ApiStages, out.Throttle, out.Tags = aws.String(p.ID), in.Name, in.ApiStages, in.Throttle, maps.Clone(p.Tags)
		return nil
	})
	return out, err
}

func (g *gatewayAPI) GetUsagePlans(_ context.Context, in *apigateway.GetUsagePlansInput, _ ...func(*apigateway.Options)) (*apigateway.GetUsagePlansOutput, error) {
	out := &apigateway.GetUsagePlansOutput{}
	err := g.s.do(svcGateway, "GetUsagePlans", false, func(st *state, _ time.Time) error {
		for _, p := range sortedValues(st.UsagePlans) {
			item := gwtypes.UsagePlan{Id: aws.String(p.ID), Name: aws.String(p.Name), Tags: maps.Clone(p.Tags)}
			for _, s := range p.Stages {
				api, stage, _ := strings.Cut(s, ":")
				item.ApiStages = append(item.ApiStages, gwtypes.ApiStage{ApiId: aws.String(api), Stage: aws.String(stage)})
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) GetUsagePlan(_ context.Context, in *apigateway.GetUsagePlanInput, _ ...func(*apigateway.Options)) (*apigateway.GetUsagePlanOutput, error) {
	out := &apigateway.GetUsagePlanOutput{}
	err := g.s.do(svcGateway, "GetUsagePlan", false, func(st *state, _ time.Time) error {
		p := st.UsagePlans[aws.ToString(in.UsagePlanId)]
		if p == nil {
			return notFound("Usage Plan")
		}
		out.Id, out.Name, out.Tags = aws.String(p.ID), aws.String(p.Name), maps.Clone(p.Tags)
		for _, s := range p.Stages {
			api, stage, _ := strings.Cut(s, ":")
			out.ApiStages = append(out.ApiStages, gwtypes.ApiStage{ApiId: aws.String(api), Stage: aws.String(stage)})
		}
		return nil
	})
	return out, err
}

// GetUsagePlanKeys lists the keys attached to a usage plan, as AWS does: NotFound for a
// plan that does not exist.
func (g *gatewayAPI) GetUsagePlanKeys(_ context.Context, in *apigateway.GetUsagePlanKeysInput, _ ...func(*apigateway.Options)) (*apigateway.GetUsagePlanKeysOutput, error) {
	out := &apigateway.GetUsagePlanKeysOutput{}
	err := g.s.do(svcGateway, "GetUsagePlanKeys", false, func(st *state, _ time.Time) error {
		p := st.UsagePlans[aws.ToString(in.UsagePlanId)]
		if p == nil {
			return notFound("Usage Plan")
		}
		for _, id := range p.Keys {
			item := gwtypes.UsagePlanKey{Id: aws.String(id), Type: aws.String("API_KEY")}
			if k := st.APIKeys[id]; k != nil {
				item.Name = aws.String(k.Name)
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	return out, err
}

func (g *gatewayAPI) UpdateUsagePlan(_ context.Context, in *apigateway.UpdateUsagePlanInput, _ ...func(*apigateway.Options)) (*apigateway.UpdateUsagePlanOutput, error) {
	out := &apigateway.UpdateUsagePlanOutput{}
	err := g.s.do(svcGateway, "UpdateUsagePlan", true, func(st *state, _ time.Time) error {
		p := st.UsagePlans[aws.ToString(in.UsagePlanId)]
		if p == nil {
			return notFound("Usage Plan")
		}
		for _, op := range in.PatchOperations {
			if op.Op != gwtypes.OpRemove || aws.ToString(op.Path) != "/apiStages" {
				return badRequest("The sandbox account only supports removing API stages from a usage plan")
			}
			v := aws.ToString(op.Value)
			if !slices.Contains(p.Stages, v) {
				return badRequest("Invalid API stage specified: " + v)
			}
			p.Stages = slices.DeleteFunc(p.Stages, func(s string) bool { return s == v })
		}
		out.Id, out.Name = aws.String(p.ID), aws.String(p.Name)
		return nil
	})
	return out, err
}

func (g *gatewayAPI) DeleteUsagePlan(_ context.Context, in *apigateway.DeleteUsagePlanInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteUsagePlanOutput, error) {
	err := g.s.do(svcGateway, "DeleteUsagePlan", true, func(st *state, _ time.Time) error {
		id := aws.ToString(in.UsagePlanId)
		p := st.UsagePlans[id]
		if p == nil {
			return notFound("Usage Plan")
		}
		if len(p.Stages) > 0 {
			return badRequest("Cannot delete Usage Plan " + id + " because it is associated with API stages " + strings.Join(p.Stages, ", "))
		}
		delete(st.UsagePlans, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteUsagePlanOutput{}, nil
}

func (g *gatewayAPI) CreateUsagePlanKey(_ context.Context, in *apigateway.CreateUsagePlanKeyInput, _ ...func(*apigateway.Options)) (*apigateway.CreateUsagePlanKeyOutput, error) {
	out := &apigateway.CreateUsagePlanKeyOutput{}
	err := g.s.do(svcGateway, "CreateUsagePlanKey", true, func(st *state, _ time.Time) error {
		p := st.UsagePlans[aws.ToString(in.UsagePlanId)]
		if p == nil {
			return notFound("Usage Plan")
		}
		k := st.APIKeys[aws.ToString(in.KeyId)]
		if k == nil {
			return notFound("API Key")
		}
		if slices.Contains(p.Keys, k.ID) {
			return apiErr("ConflictException", "Usage Plan "+p.ID+" cannot be added because API Key "+k.ID+" already exists in this Usage Plan")
		}
		p.Keys = append(p.Keys, k.ID)
		out.Id, out.Name, out.Type = aws.String(k.ID), aws.String(k.Name), aws.String("API_KEY")
		return nil
	})
	return out, err
}

func (l *LinksAPI) describe(_ *state, v *vpcLink, now time.Time) (gwtypes.VpcLinkStatus, *string) {
	status, msg := v.status(now)
	return status, aws.String(msg)
}

// GetVpcLinks lists the VPC links.
func (l *LinksAPI) GetVpcLinks(_ context.Context, in *apigateway.GetVpcLinksInput, _ ...func(*apigateway.Options)) (*apigateway.GetVpcLinksOutput, error) {
	out := &apigateway.GetVpcLinksOutput{}
	err := l.s.do(svcGateway, "GetVpcLinks", false, func(st *state, now time.Time) error {
		var all []*vpcLink
		for _, v := range sortedValues(st.VPCLinks) {
			if st.link(v.ID, now) != nil {
				all = append(all, v)
			}
		}
		start, end, next, err := gwPage(len(all), in.Limit, in.Position)
		if err != nil {
			return err
		}
		out.Position = next
		for _, v := range all[start:end] {
			status, msg := l.describe(st, v, now)
			out.Items = append(out.Items, gwtypes.VpcLink{Id: aws.String(v.ID), Name: aws.String(v.Name), Status: status, StatusMessage: msg, TargetArns: slices.Clone(v.Targets), Tags: maps.Clone(v.Tags)})
		}
		return nil
	})
	return out, err
}

// GetVpcLink describes one VPC link.
func (l *LinksAPI) GetVpcLink(_ context.Context, in *apigateway.GetVpcLinkInput, _ ...func(*apigateway.Options)) (*apigateway.GetVpcLinkOutput, error) {
	out := &apigateway.GetVpcLinkOutput{}
	err := l.s.do(svcGateway, "GetVpcLink", true, func(st *state, now time.Time) error {
		v := st.link(aws.ToString(in.VpcLinkId), now)
		if v == nil {
			return notFound("VPC link")
		}
		status, msg := l.describe(st, v, now)
		out.Id, out.Name, out.Status, out.StatusMessage, out.TargetArns, out.Tags = aws.String(v.ID), aws.String(v.Name), status, msg, slices.Clone(v.Targets), maps.Clone(v.Tags)
		return nil
	})
	return out, err
}

// CreateVpcLink creates a VPC link; it is PENDING for minutes and ends AVAILABLE, or FAILED
// when its target is not an active network load balancer of this account.
func (l *LinksAPI) CreateVpcLink(_ context.Context, in *apigateway.CreateVpcLinkInput, _ ...func(*apigateway.Options)) (*apigateway.CreateVpcLinkOutput, error) {
	out := &apigateway.CreateVpcLinkOutput{}
	err := l.s.do(svcGateway, "CreateVpcLink", true, func(st *state, now time.Time) error {
		if len(in.TargetArns) != 1 {
			return badRequest("A VPC link of a REST API targets exactly one network load balancer")
		}
		arn := in.TargetArns[0]
		for _, v := range st.VPCLinks {
			if st.link(v.ID, now) != nil && slices.Contains(v.Targets, arn) {
				return badRequest(fmt.Sprintf("NLB %s is already associated with another VPC link %s", arn, v.ID))
			}
		}
		v := &vpcLink{ID: l.s.gwID(6), Name: aws.ToString(in.Name), Targets: slices.Clone(in.TargetArns), Ready: now.Add(l.s.delay(vpcLinkPending)), Tags: maps.Clone(in.Tags)}
		l.s.calls[opLinkAvailable]++
		switch lb := st.LoadBalancers[arn]; {
		case l.s.faults[opLinkAvailable] == l.s.calls[opLinkAvailable]:
			v.Failed = "Failed to create network interfaces for the VPC link in the load balancer's subnets: insufficient free IP addresses"
		case lb == nil && l.s.opts.ForeignTargets:
		case lb == nil:
			v.Failed = "NLB ARN is malformed or the load balancer does not exist: " + arn
		case lb != nil && st.lbState(lb, now) != "active":
			v.Failed = "NLB " + arn + " is not in the active state"
		}
		st.VPCLinks[v.ID] = v
		status, msg := l.describe(st, v, now)
		out.Id, out.Name, out.Status, out.StatusMessage, out.TargetArns, out.Tags = aws.String(v.ID), in.Name, status, msg, slices.Clone(v.Targets), maps.Clone(v.Tags)
		return nil
	})
	return out, err
}

// DeleteVpcLink starts deleting a VPC link that no integration or stage uses.
func (l *LinksAPI) DeleteVpcLink(_ context.Context, in *apigateway.DeleteVpcLinkInput, _ ...func(*apigateway.Options)) (*apigateway.DeleteVpcLinkOutput, error) {
	err := l.s.do(svcGateway, "DeleteVpcLink", true, func(st *state, now time.Time) error {
		id := aws.ToString(in.VpcLinkId)
		v := st.link(id, now)
		if v == nil {
			return notFound("VPC link")
		}
		if refs := stageLinkRefs(st, id); len(refs) > 0 {
			return badRequest(fmt.Sprintf("Cannot delete vpc link. Vpc link '%s', is referenced in [%s] in format of [RESTApiId:Method:Resource:Stage].", id, strings.Join(refs, ", ")))
		}
		for _, a := range sortedValues(st.RestAPIs) {
			for _, r := range a.Resources {
				for verb, m := range r.Methods {
					if m.Integration != nil && m.Integration.ConnectionID == id {
						return badRequest(fmt.Sprintf("Cannot delete vpc link. Vpc link '%s', is referenced in [%s:%s] in format of [Method:Resource].", id, verb, r.ID))
					}
				}
			}
		}
		if v.Deleting.IsZero() {
			v.Deleting = now.Add(l.s.delay(vpcLinkDeleting))
		}
		st.link(id, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &apigateway.DeleteVpcLinkOutput{}, nil
}

// stageLinkRefs lists, as AWS names them (RESTApiId:Method:Resource:Stage), the deployed
// methods whose integration reaches VPC link id through a stage's variables: AWS refuses to
// delete a link while a stage's deployment uses it that way.
func stageLinkRefs(st *state, id string) []string {
	var refs []string
	for _, a := range sortedValues(st.RestAPIs) {
		for _, name := range slices.Sorted(maps.Keys(a.Stages)) {
			stg := a.Stages[name]
			resources := a.Snapshots[stg.Deployment]
			if resources == nil {
				resources = a.Resources // an account saved before deployments kept their snapshot
			}
			for _, rid := range slices.Sorted(maps.Keys(resources)) {
				r := resources[rid]
				for _, verb := range slices.Sorted(maps.Keys(r.Methods)) {
					i := r.Methods[verb].Integration
					if i == nil || i.ConnectionType != "VPC_LINK" || !strings.Contains(i.ConnectionID, "${stageVariables.") {
						continue
					}
					if substituteVars(i.ConnectionID, stg.Variables) == id {
						refs = append(refs, a.ID+":"+verb+":"+r.ID+":"+name)
					}
				}
			}
		}
	}
	return refs
}

func (s *stsAPI) GetCallerIdentity(_ context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	out := &sts.GetCallerIdentityOutput{}
	err := s.s.do(svcSTS, "GetCallerIdentity", false, func(*state, time.Time) error {
		out.Account, out.Arn, out.UserId = aws.String(AccountID), aws.String("arn:aws:iam::"+AccountID+":user/demo"), aws.String("AIDAEXAMPLEDEMOUSER01")
		return nil
	})
	return out, err
}
