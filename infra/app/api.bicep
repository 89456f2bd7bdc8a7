// The Function App: Flex Consumption, .NET isolated, deployment package in blob storage, every storage connection
// (the Functions host, Durable's task hub, Loom's tables) on the user-assigned identity.
param name string
param location string = resourceGroup().location
param tags object = {}
param planId string
param storageAccountName string
param deploymentContainerName string
param appInsightsName string
param identityId string
param identityClientId string
param taskHubName string
param schedulerCron string
@secure()
param callbackSigningKey string
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var endpoints = storageAccount.properties.primaryEndpoints

var appSettings = {
  // The Functions host and Durable Functions (azureStorage provider) reach storage through the identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: endpoints.blob
  AzureWebJobsStorage__queueServiceUri: endpoints.queue
  AzureWebJobsStorage__tableServiceUri: endpoints.table
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  LoomTaskHub: taskHubName
  LoomSchedulerCron: schedulerCron
  // Loom's own tables, on the same account and the same identity.
  Loom__TableServiceUri: endpoints.table
  Loom__ManagedIdentityClientId: identityClientId
  // Queue triggers read and write the workflows' queues (and NAME-poison) on this account with the identity.
  Loom__QueueServiceUri: endpoints.queue
  Loom__TablePrefix: 'loom'
  Loom__CallbackSigningKey: callbackSigningKey
  Loom__FunctionKeyRole: 'admin'
}

module site 'br/public:avm/res/web/site:0.15.1' = {
  name: '${name}-site'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    serverFarmResourceId: planId
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [
        identityId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${endpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      alwaysOn: false
    }
    appSettingsKeyValuePairs: appSettings
  }
}

output SERVICE_API_NAME string = site.outputs.name
