module example.invalid/tc-client-generator/clients/default/go

go 1.21
