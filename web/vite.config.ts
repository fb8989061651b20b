import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built with `vite build web`: web/ is the root, so the bundle lands in web/dist.
export default defineConfig({
  plugins: [react()],
  build: { chunkSizeWarningLimit: 1024 },
});
