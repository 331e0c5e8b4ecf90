// Log Analytics and a workspace-based Application Insights: the Functions host and the worker both send here.

param location string
param tags object
param logAnalyticsName string
param applicationInsightsName string

@description('Days logs are kept; 30 is included in the Log Analytics price.')
param retentionInDays int = 30

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    IngestionMode: 'LogAnalytics'
  }
}

output applicationInsightsName string = insights.name
