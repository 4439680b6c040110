// The preload: one small object, `window.flowspect`, with exactly two capabilities — invoke a contract method and
// subscribe to contract events — over the two channels the contract names. Nothing else of Node or Electron leaks.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type FlowspectBridge, type InvokeReply } from './api/bridge.js';
import type { AppEvent } from './core/events.js';

const bridge: FlowspectBridge = {
  invoke: (method, params) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, { method, params }) as Promise<InvokeReply>,
  subscribe(listener) {
    const wrapped = (_e: IpcRendererEvent, event: AppEvent): void => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld('flowspect', bridge);
