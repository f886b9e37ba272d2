module github.com/org/analytics-constructs-consumer-go

go 1.25.0

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.257.0
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/org/analytics-constructs-go/organalyticsconstructs v0.0.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/aws/constructs-go/constructs/v10 v10.5.1 // indirect
	github.com/cdklabs/awscdk-asset-awscli-go/awscliv1/v2 v2.2.273 // indirect
	github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2 v2.1.3 // indirect
	github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.28.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/yuin/goldmark v1.7.16 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.39.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/telemetry v0.0.0-20260811182544-a038080d80e5 // indirect
	golang.org/x/tools v0.49.0 // indirect
	golang.org/x/tools/cmd/godoc v0.1.0-deprecated // indirect
	golang.org/x/tools/godoc v0.1.0-deprecated // indirect
)

// The library's generated Go module (dist/go after `npx jsii-pacmak --target go`); run.sh points this at its argument.
replace github.com/org/analytics-constructs-go/organalyticsconstructs => ../../../dist/go/organalyticsconstructs

// The Go module proxy answers 403 for two module versions that the library's generated go.mod requires as indirect
// dependencies (jsii-pacmak writes the newest releases there); aws-cdk-go v2.257.0 itself requires only
// nodeproxyagentv6 v2.1.1 and cloud-assembly-schema v53.25.0. Use the newest versions the proxy serves, the same ones
// Maven resolves for aws-cdk-lib 2.257.0. Drop these lines once the proxy serves v2.1.3 and v53.28.0.
replace (
	github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2 v2.1.3 => github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2 v2.1.2
	github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.28.0 => github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.27.0
)
